import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { FrameseekStack } from '#infra/aws/stack';
import { PROJECT_ROOT } from '#infra/local/runtime';
import { INDEX_MAX_ATTEMPTS } from '#lib/indexing/queue';
import { WEBHOOK_SEND_MAX_RECEIVES } from '#infra/aws/constructs/webhooks';
import { FETCH_DEADLINE_MS } from '#lib/uploads/url-ingest';
import { mediaAccess, tableAccess, type RouteDefinition } from '#lib/http/route';
import { framemapKey, MEDIA_PREFIXES, videoPrefix } from '#lib/storage/layout';
import { STAGE_THROTTLE } from '#infra/aws/constructs/api';
import { CORS } from '#lib/http/cors';
import { backgroundFunctions, fallbackRoute, routes } from '#functions/routes';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

let app: App;
let stack: FrameseekStack;
let template: Template;
const routeList: RouteDefinition[] = Object.values(routes);
const nativeRoutes = routeList.filter((route) => route.nativeModules);
/** The background functions this stack wires (an S3 trigger, an asynchronous invoke, a queue, a schedule, the table's stream). */
const deployedBackgroundFunctions = [
  backgroundFunctions.ingest,
  backgroundFunctions.fetchSource,
  backgroundFunctions.indexChunk,
  backgroundFunctions.deadLetter,
  backgroundFunctions.deleteSweep,
  backgroundFunctions.dailyMaintenance,
  backgroundFunctions.autoTopUp,
  backgroundFunctions.webhookFanOut,
  backgroundFunctions.webhookSend,
  backgroundFunctions.webhookSweep,
];
/** The webhook functions read what they need from the table. */
const webhookFunctions: readonly (typeof deployedBackgroundFunctions)[number][] = [
  backgroundFunctions.webhookFanOut,
  backgroundFunctions.webhookSend,
  backgroundFunctions.webhookSweep,
];
/** The auto top-up charger touches the table and Stripe only, never media; the webhook functions the table and their own key and queue. */
const mediaBackgroundFunctions = deployedBackgroundFunctions.filter((fn) => fn !== backgroundFunctions.autoTopUp && !webhookFunctions.includes(fn));

/** Singleton Lambdas behind CDK's own custom resources (bucket auto-delete, bucket notifications). */
const CUSTOM_RESOURCE_HANDLERS = ['CustomS3AutoDeleteObjectsCustomResourceProviderHandler', 'BucketNotificationsHandler'];

beforeAll(() => {
  // Bundling is exercised by `npx cdk synth` and the bundle benchmark; here only the template matters.
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new FrameseekStack(app, 'Test', { stage: 'test', projectRoot: PROJECT_ROOT });
  template = Template.fromStack(stack);
});

/** Another stack, for what differs with context or stage (bundling off, as above). */
function otherStack(id: string, stage: string, context: Record<string, unknown> = {}): FrameseekStack {
  const otherApp = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return new FrameseekStack(otherApp, id, { stage, projectRoot: PROJECT_ROOT });
}

/** Warnings a stack recorded while it was built (no synth needed). */
function warningsOf(built: FrameseekStack): string[] {
  return built.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning').map((entry) => String(entry.data));
}

function resourcesOfType(type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** Frameseek's own functions are the ones told a stage; everything else is CDK plumbing. */
function frameseekFunctionIds(): string[] {
  return Object.entries(resourcesOfType('AWS::Lambda::Function'))
    .filter(([, resource]) => JSON.stringify(resource.Properties.Environment ?? {}).includes('FRAMESEEK_STAGE'))
    .map(([logicalId]) => logicalId);
}

function functionIdStartingWith(prefix: string): string {
  const matches = frameseekFunctionIds().filter((logicalId) => logicalId.startsWith(prefix));
  expect(matches).toHaveLength(1);
  return matches[0] ?? '';
}

function functionProperties(logicalId: string): Record<string, unknown> {
  return resourcesOfType('AWS::Lambda::Function')[logicalId]?.Properties ?? {};
}

/** Role logical ids whose attached policies allow `action`, as written in the policy document. */
function rolesAllowing(action: string, inTemplate: Template = template): string[] {
  return Object.values(inTemplate.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(`"${action}"`))
    .flatMap((policy) => (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref));
}

interface PolicyStatement {
  Action: string | string[];
  Resource: unknown;
}

/** Role logical ids whose policies allow `action` on a resource whose logical id starts with `resourcePrefix`. */
function rolesAllowingOn(action: string, resourcePrefix: string): string[] {
  return Object.values(resourcesOfType('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement.some(
        (statement) => [statement.Action].flat().includes(action) && JSON.stringify(statement.Resource).includes(`"${resourcePrefix}`),
      ),
    )
    .flatMap((policy) => (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref));
}

/** The statements of a function's role policy that allow `action`. */
function statementsAllowing(functionPrefix: string, action: string): PolicyStatement[] {
  const policies = Object.entries(resourcesOfType('AWS::IAM::Policy')).filter(([logicalId]) => logicalId.startsWith(`${functionPrefix}ServiceRole`));
  expect(policies).toHaveLength(1);
  const statements = (policies[0]?.[1].Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
  return statements.filter((statement) => [statement.Action].flat().includes(action));
}

/** Where each container-image function's image comes from, by function logical id (from the asset manifest). */
function imageSources(
  fromApp: App = app,
  inTemplate: Template = template,
): Map<string, { dockerFile: string; dockerBuildArgs: Record<string, string>; platform: string }> {
  const assembly = fromApp.synth();
  const manifest = assembly.artifacts.find((artifact): artifact is AssetManifestArtifact => artifact instanceof AssetManifestArtifact);
  const dockerImages = (JSON.parse(readFileSync(manifest?.file ?? '', 'utf8')) as { dockerImages: Record<string, { source: never }> }).dockerImages;
  const sources = new Map<string, { dockerFile: string; dockerBuildArgs: Record<string, string>; platform: string }>();
  for (const [logicalId, resource] of Object.entries(inTemplate.findResources('AWS::Lambda::Function') as Record<string, Resource>)) {
    const imageUri = JSON.stringify((resource.Properties.Code as { ImageUri?: unknown }).ImageUri ?? '');
    const hash = Object.keys(dockerImages).find((assetHash) => imageUri.includes(`:${assetHash}`));
    if (hash) sources.set(logicalId, dockerImages[hash]?.source ?? {});
  }
  return sources;
}

/** Functions (route names and background names) whose bundled code queues index work, found in the code itself. */
async function indexQueueSendersInCode(): Promise<string[]> {
  const entries = [...routeList, ...Object.values(backgroundFunctions), fallbackRoute].map(({ name, entry }) => [name, resolve(PROJECT_ROOT, entry)]);
  const result = await build({
    entryPoints: Object.fromEntries(entries),
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: 'out',
    logLevel: 'silent',
  });
  // Unminified and tree-shaken: a queueing function survives in a bundle only if that bundle calls it.
  const queues = /\b(?:enqueueChunks|enqueuePurge|enqueueFrameMap)\d*\(|\bindexQueue\d*\.send\(/;
  return result.outputFiles.filter((file) => queues.test(file.text)).map((file) => file.path.replace(/^.*\/(\w+)\.js$/, '$1'));
}

describe('the CDK stack', () => {
  it('has one arm64 function per route of the route table, plus the catch-all and the background functions', () => {
    const functionIds = Object.keys(resourcesOfType('AWS::Lambda::Function'));
    const ownFunctionIds = frameseekFunctionIds();

    expect(ownFunctionIds).toHaveLength(routeList.length + 1 + deployedBackgroundFunctions.length);
    // Whatever is not ours is one of CDK's custom-resource handlers, each exactly once.
    const otherFunctionIds = functionIds.filter((logicalId) => !ownFunctionIds.includes(logicalId));
    expect(otherFunctionIds.map((logicalId) => CUSTOM_RESOURCE_HANDLERS.find((prefix) => logicalId.startsWith(prefix))).sort()).toEqual(
      [...CUSTOM_RESOURCE_HANDLERS].sort(),
    );
    const imageIds = [
      functionIdStartingWith('ProcessingingestFunction'),
      functionIdStartingWith('ProcessingindexChunkFunction'),
      ...nativeRoutes.map((route) => functionIdStartingWith(`Api${route.name}Function`)),
    ];
    for (const logicalId of ownFunctionIds.filter((id) => !imageIds.includes(id))) {
      expect(functionProperties(logicalId)).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
    }
  });

  it('runs ingest, the index worker and the routes with native modules as arm64 container images of their own handler, built at deploy time', () => {
    const images = imageSources();
    const expected = [
      { logicalId: functionIdStartingWith('ProcessingingestFunction'), entry: backgroundFunctions.ingest.entry },
      { logicalId: functionIdStartingWith('ProcessingindexChunkFunction'), entry: backgroundFunctions.indexChunk.entry },
      ...nativeRoutes.map((route) => ({ logicalId: functionIdStartingWith(`Api${route.name}Function`), entry: route.entry })),
    ];

    expect(nativeRoutes.map((route) => route.name)).toEqual(expect.arrayContaining(['videoTranscript', 'videoMoment']));
    expect([...images.keys()].sort()).toEqual(expected.map(({ logicalId }) => logicalId).sort());
    for (const { logicalId, entry } of expected) {
      const fn = functionProperties(logicalId);
      expect(fn).toMatchObject({ PackageType: 'Image', Architectures: ['arm64'], Code: { ImageUri: expect.anything() } });
      expect(fn.Runtime).toBeUndefined();
      expect(images.get(logicalId)).toMatchObject({
        dockerFile: 'infra/aws/worker/Dockerfile',
        dockerBuildArgs: { HANDLER_ENTRY: entry },
        platform: 'linux/arm64',
      });
    }
  });

  it('sizes the routes with native modules from the route table, and serves them through the HTTP API like the others', () => {
    for (const route of nativeRoutes) {
      const logicalId = functionIdStartingWith(`Api${route.name}Function`);

      expect(functionProperties(logicalId)).toMatchObject({ MemorySize: route.memoryMb ?? 512, Timeout: route.timeoutSecs ?? 10 });
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationUri: { 'Fn::GetAtt': [logicalId, 'Arn'] },
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${route.method} ${route.path}` });
    }
  });

  it('feeds the index worker from the index queue, one message per invocation', () => {
    const workerId = functionIdStartingWith('ProcessingindexChunkFunction');
    const queueId = Object.keys(resourcesOfType('AWS::SQS::Queue')).find((logicalId) => logicalId.startsWith('ProcessingIndexQueue'));

    // The index worker's, the auto top-up charger's (stream), the webhook fan-out's (stream), the webhook sender's
    // and the dead-letter handler's three (ingest, URL fetch and index dead letters).
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 7);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: workerId },
      FunctionResponseTypes: Match.absent(),
    });
    const consumers = rolesAllowingOn('sqs:DeleteMessage', 'ProcessingIndexQueue');
    expect(consumers).toHaveLength(1);
    expect(consumers[0]).toMatch(/^ProcessingindexChunkFunctionServiceRole/);
  });

  it('hides a chunk from other workers for longer than a worker may run (six worker timeouts, at most 12 h)', () => {
    const indexQueue = Object.entries(resourcesOfType('AWS::SQS::Queue')).find(([logicalId]) => logicalId.startsWith('ProcessingIndexQueue'))?.[1];
    const visibilityTimeout = Number(indexQueue?.Properties.VisibilityTimeout);

    expect(visibilityTimeout).toBe(Math.min(6 * backgroundFunctions.indexChunk.timeoutSecs, 12 * 60 * 60));
    expect(visibilityTimeout).toBeGreaterThan(backgroundFunctions.indexChunk.timeoutSecs);
  });

  it("lets only the routes that start the source fetcher invoke it (uploads, agent tools), and tells them the fetcher's name", () => {
    const fetcherId = functionIdStartingWith('ProcessingfetchSourceFunction');
    const invokers = rolesAllowingOn('lambda:InvokeFunction', 'ProcessingfetchSourceFunction');
    const starters = Object.values(routes as Record<string, RouteDefinition>).filter((route) => route.startsInBackground?.includes('fetchSource'));

    expect(starters.map((route) => route.name).sort()).toEqual(['agentCall', 'createUpload', 'mcp']);
    expect(invokers.map((role) => role.replace(/FunctionServiceRole.*$/, '')).sort()).toEqual(starters.map((route) => `Api${route.name}`).sort());
    for (const route of starters) {
      expect(functionProperties(functionIdStartingWith(`Api${route.name}Function`))).toMatchObject({
        Environment: { Variables: expect.objectContaining({ FRAMESEEK_FETCH_FUNCTION_NAME: { Ref: fetcherId } }) },
      });
    }
  });

  it("lets only the collection and account deletes start the delete sweep, and tells them the sweep's name", () => {
    const sweepId = functionIdStartingWith('SchedulesdeleteSweepFunction');
    const invokers = rolesAllowingOn('lambda:InvokeFunction', 'SchedulesdeleteSweepFunction');
    const starters = Object.values(routes as Record<string, RouteDefinition>).filter((route) => route.startsInBackground?.includes('deleteSweep'));

    expect(starters.map((route) => route.name).sort()).toEqual(['deleteAccount', 'deleteCollection']);
    expect(invokers.map((role) => role.replace(/FunctionServiceRole.*$/, '')).sort()).toEqual(starters.map((route) => `Api${route.name}`).sort());
    for (const route of starters) {
      expect(functionProperties(functionIdStartingWith(`Api${route.name}Function`))).toMatchObject({
        Environment: { Variables: expect.objectContaining({ FRAMESEEK_DELETE_SWEEP_FUNCTION_NAME: { Ref: sweepId } }) },
      });
    }
  });

  it('sizes the background functions from their entries in the route table', () => {
    const { ingest, dailyMaintenance, fetchSource, indexChunk, autoTopUp } = backgroundFunctions;

    expect(functionProperties(functionIdStartingWith('ProcessingingestFunction'))).toMatchObject({ MemorySize: ingest.memoryMb, Timeout: ingest.timeoutSecs });
    expect(functionProperties(functionIdStartingWith('ProcessingindexChunkFunction'))).toMatchObject({
      MemorySize: indexChunk.memoryMb,
      Timeout: indexChunk.timeoutSecs,
    });
    expect(functionProperties(functionIdStartingWith('ProcessingfetchSourceFunction'))).toMatchObject({
      MemorySize: fetchSource.memoryMb,
      Timeout: fetchSource.timeoutSecs,
    });
    expect(functionProperties(functionIdStartingWith('SchedulesdailyMaintenanceFunction'))).toMatchObject({
      MemorySize: dailyMaintenance.memoryMb,
      Timeout: dailyMaintenance.timeoutSecs,
    });
    expect(functionProperties(functionIdStartingWith('AutoTopUpsautoTopUpFunction'))).toMatchObject({
      MemorySize: autoTopUp.memoryMb,
      Timeout: autoTopUp.timeoutSecs,
    });
  });

  it('gives the source fetcher a deadline that ends inside its function timeout, with time left to record the outcome', () => {
    const timeoutSecs = Number(functionProperties(functionIdStartingWith('ProcessingfetchSourceFunction')).Timeout);

    expect(FETCH_DEADLINE_MS / 1000 + 60).toBeLessThanOrEqual(timeoutSecs);
  });

  it('routes every method and path of the table, and sends the rest to the catch-all', () => {
    const routeKeys = Object.values(resourcesOfType('AWS::ApiGatewayV2::Route')).map((resource) => resource.Properties.RouteKey);

    expect(routeKeys.sort()).toEqual([...routeList.map((route) => `${route.method} ${route.path}`), '$default'].sort());
  });

  it("answers browsers' preflights from the API's one CORS definition, and tells the routes the same origins", () => {
    const api = Object.values(resourcesOfType('AWS::ApiGatewayV2::Api'))[0];

    expect(api?.Properties.CorsConfiguration).toEqual({
      AllowOrigins: ['*'],
      AllowHeaders: [...CORS.allowHeaders],
      AllowMethods: [...CORS.allowMethods],
      ExposeHeaders: [...CORS.exposeHeaders],
      MaxAge: CORS.maxAgeSecs,
    });
    expect(functionProperties(functionIdStartingWith('ApisearchFunction'))).toMatchObject({
      Environment: { Variables: expect.objectContaining({ FRAMESEEK_CORS_ORIGINS: '*' }) },
    });
  });

  it('creates the single table with its keys, GSI1, TTL and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'GSI1',
          KeySchema: [
            { AttributeName: 'GSI1PK', KeyType: 'HASH' },
            { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
          ],
        }),
      ],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('keeps the media bucket private, encrypted and reachable by browsers only through CORS for uploads and playback', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: Match.absent(),
      CorsConfiguration: {
        CorsRules: [{ AllowedMethods: ['PUT', 'GET', 'HEAD'], AllowedOrigins: ['*'], AllowedHeaders: ['*'], ExposedHeaders: ['ETag'] }],
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 }, Status: 'Enabled' })],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('empties and deletes the bucket with a non-prod stack', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });

  it('sends every object created under videos/ to the ingest function', () => {
    const ingestId = functionIdStartingWith('ProcessingingestFunction');

    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'videos/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [ingestId, 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [ingestId, 'Arn'] },
    });
  });

  it('parks index messages in a dead-letter queue kept for 14 days after as many deliveries as the worker counts (INDEX_MAX_ATTEMPTS)', () => {
    const queues = resourcesOfType('AWS::SQS::Queue');
    const deadLetterId = Object.keys(queues).find((logicalId) => logicalId.startsWith('ProcessingIndexDeadLetterQueue'));
    expect(deadLetterId).toBeDefined();

    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterId, 'Arn'] }, maxReceiveCount: INDEX_MAX_ATTEMPTS },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 60 * 60 });
    // Every queue (index work, its dead letters, auto top-up dead letters) refuses requests that are not over TLS.
    const tlsOnlyQueues = Object.values(resourcesOfType('AWS::SQS::QueuePolicy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsOnlyQueues).toHaveLength(Object.keys(resourcesOfType('AWS::SQS::Queue')).length);
    expect(tlsOnlyQueues).toHaveLength(8);
  });

  it('sends the last failed try of ingest and of the URL fetch to a dead-letter queue, and every such queue to the handler that fails the job', () => {
    const deadLetterFunctionId = functionIdStartingWith('ProcessingdeadLetterFunction');
    const queueId = (prefix: string) => Object.keys(resourcesOfType('AWS::SQS::Queue')).find((logicalId) => logicalId.startsWith(prefix));

    for (const [fn, queue] of [
      ['ProcessingingestFunction', 'ProcessingIngestDeadLetterQueue'],
      ['ProcessingfetchSourceFunction', 'ProcessingFetchSourceDeadLetterQueue'],
    ]) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: functionIdStartingWith(fn) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(queue), 'Arn'] } } },
      });
    }
    for (const queue of ['ProcessingIngestDeadLetterQueue', 'ProcessingFetchSourceDeadLetterQueue', 'ProcessingIndexDeadLetterQueue']) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: deadLetterFunctionId },
        EventSourceArn: { 'Fn::GetAtt': [queueId(queue), 'Arn'] },
        BatchSize: 1,
      });
    }
  });

  it('hands new auto top-up requests from the table stream to the charger, retried and then parked, and nothing else', () => {
    const chargerId = functionIdStartingWith('AutoTopUpsautoTopUpFunction');
    const tableId = Object.keys(resourcesOfType('AWS::DynamoDB::Table')).find((logicalId) => logicalId.startsWith('DataTable'));
    const deadLetterId = Object.keys(resourcesOfType('AWS::SQS::Queue')).find((logicalId) => logicalId.startsWith('AutoTopUpsAutoTopUpDeadLetterQueue'));

    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: Match.arrayWith([{ AttributeName: 'PK', KeyType: 'HASH' }]),
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: chargerId },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLetterId, 'Arn'] } } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { Keys: { SK: { S: [{ prefix: 'AUTOTOPUP#' }] } } } }) }] },
    });
    expect(
      rolesAllowing('dynamodb:DescribeStream')
        .map((role) => role.replace(/FunctionServiceRole\w*$/, ''))
        .sort(),
    ).toEqual(['AutoTopUpsautoTopUp', 'WebhookswebhookFanOut']);
    expect(statementsAllowing('AutoTopUpsautoTopUpFunction', 'sqs:SendMessage').map((statement) => statement.Resource)).toEqual([
      { 'Fn::GetAtt': [deadLetterId, 'Arn'] },
    ]);
  });

  it('runs daily maintenance at 00:00 UTC every day', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 0 * * ? *)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionIdStartingWith('SchedulesdailyMaintenanceFunction'), 'Arn'] } })],
    });
  });

  it('puts an index maintenance message on the index queue every hour, for the worker to do', () => {
    const indexQueue = Object.keys(resourcesOfType('AWS::SQS::Queue')).find((logicalId) => logicalId.startsWith('ProcessingIndexQueue'));

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [indexQueue, 'Arn'] }, Input: JSON.stringify({ kind: 'maintain' }) })],
    });
  });

  it('runs the index worker with the engines in its image by default, allowed no speech or text service', () => {
    expect(functionProperties(functionIdStartingWith('ProcessingindexChunkFunction'))).toMatchObject({
      Environment: { Variables: expect.objectContaining({ FRAMESEEK_TRANSCRIBER: 'pocketsphinx', FRAMESEEK_TEXT_READER: 'tesseract' }) },
    });
    expect(rolesAllowing('transcribe:StartTranscriptionJob')).toEqual([]);
    expect(rolesAllowing('rekognition:DetectText')).toEqual([]);
  });

  it('lets exactly the functions whose code queues index work send to the index queue', async () => {
    const sendersInCode = await indexQueueSendersInCode();
    // Other queues (auto top-up and webhook dead letters, the webhook queue) are asserted with their constructs.
    const sendingRoles = rolesAllowingOn('sqs:SendMessage', 'ProcessingIndexQueue');

    const flaggedRoutes = Object.values(routes)
      .filter((route) => route.sendsIndexWork)
      .map((route) => route.name);
    expect([...flaggedRoutes, 'ingest', 'dailyMaintenance', 'deleteSweep'].sort()).toEqual(sendersInCode.sort());
    // GET /v1/framemap queues its computation for the index worker (no function of its own).
    expect(sendersInCode).toContain('framemap');
    expect(sendingRoles.map((role) => role.replace(/^(?:Api|Processing|Schedules)(\w+?)FunctionServiceRole\w*$/, '$1')).sort()).toEqual(sendersInCode.sort());
  });

  it('gives table writes only to functions that need them: no GET route may put, delete or transact', () => {
    const rolesWithTableWrites = rolesAllowing('dynamodb:PutItem');

    const writingRoutes = routeList.filter((route) => tableAccess(route) === 'read_write');
    expect(writingRoutes.every((route) => route.method !== 'GET')).toBe(true);
    expect(rolesWithTableWrites).toHaveLength(writingRoutes.length + deployedBackgroundFunctions.length);
    for (const route of routeList.filter((candidate) => candidate.method === 'GET')) {
      expect(rolesWithTableWrites.some((role) => role.startsWith(`Api${route.name}Function`))).toBe(false);
    }
    expect(rolesWithTableWrites.some((role) => role.startsWith('ApinotFoundFunction'))).toBe(false);
  });

  it("lets a signed-in GET route read the table and only update items (rate-limit counters, session sliding, keys' last use)", () => {
    const updates = statementsAllowing('ApigetVideoFunction', 'dynamodb:UpdateItem');
    const reads = statementsAllowing('ApigetVideoFunction', 'dynamodb:GetItem');

    expect(updates).toHaveLength(1);
    expect(reads.length).toBeGreaterThan(0);
    for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
      expect(statementsAllowing('ApigetVideoFunction', action)).toEqual([]);
    }
    expect(rolesAllowing('dynamodb:GetItem').some((role) => role.startsWith('ApihealthFunction'))).toBe(false);
  });

  it('gives media writes (put, delete) only to routes whose table entry writes media, and the background functions', () => {
    const rolesWithMediaWrites = rolesAllowing('s3:DeleteObject*');
    const writingRoutes = routeList.filter((route) => mediaAccess(route) === 'write');

    expect(rolesWithMediaWrites).toHaveLength(writingRoutes.length + mediaBackgroundFunctions.length);
    expect(rolesWithMediaWrites.some((role) => role.startsWith('AutoTopUpsautoTopUpFunction'))).toBe(false);
    for (const role of rolesWithMediaWrites) {
      expect(rolesAllowing('s3:GetObject*')).toContain(role);
      expect(rolesAllowing('s3:PutObject')).toContain(role);
    }
    for (const readOnly of ['getVideo', 'listVideos', 'videoMoment', 'getJob', 'search']) {
      expect(rolesAllowing('s3:PutObject').some((role) => role.startsWith(`Api${readOnly}Function`))).toBe(false);
      expect(rolesAllowing('s3:GetObject*').some((role) => role.startsWith(`Api${readOnly}Function`))).toBe(true);
    }
    for (const publicRoute of ['health', 'openApi', 'notFound', 'signUp', 'logIn']) {
      expect(rolesAllowing('s3:GetObject*').some((role) => role.startsWith(`Api${publicRoute}Function`))).toBe(false);
    }
  });

  it("grants routes customers' media by prefix, never the search index's objects in the same bucket", () => {
    const mediaStatements = routeList
      .filter((route) => mediaAccess(route) !== 'none')
      .flatMap((route) => statementsAllowing(`Api${route.name}Function`, 's3:GetObject*'));
    const objectResources = mediaStatements.flatMap((statement) => [statement.Resource].flat()).map((resource) => JSON.stringify(resource));

    expect(objectResources.length).toBeGreaterThan(0);
    // Every key a route writes sits under one of the granted prefixes.
    for (const key of [videoPrefix('acc_1', 'vid_1'), framemapKey('acc_1', undefined)])
      expect(MEDIA_PREFIXES.some((prefix) => key.startsWith(prefix))).toBe(true);
    for (const resource of objectResources.filter((candidate) => candidate.includes('/'))) {
      expect(MEDIA_PREFIXES.some((prefix) => resource.includes(`/${prefix}*`)) || resource.includes('/index/*')).toBe(true);
    }
    // The index is read only by the routes that search it (SearchIndex.grantRead), and written by none.
    for (const route of routeList) {
      const writes = statementsAllowing(`Api${route.name}Function`, 's3:PutObject');
      expect(JSON.stringify(writes.map((statement) => statement.Resource))).not.toContain('/index/*');
    }
  });

  it('throttles the API stage (rate and burst) in front of the per-account limits', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: STAGE_THROTTLE.rateLimit, ThrottlingBurstLimit: STAGE_THROTTLE.burstLimit },
    });
    expect(STAGE_THROTTLE.burstLimit).toBeGreaterThanOrEqual(STAGE_THROTTLE.rateLimit);
  });

  it('tells every function its stage, table, bucket, index queue, search index (on S3 with the DynamoDB commit store) and embedder', () => {
    for (const logicalId of frameseekFunctionIds()) {
      expect(functionProperties(logicalId).Environment).toMatchObject({
        Variables: {
          FRAMESEEK_STAGE: 'test',
          FRAMESEEK_TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
          FRAMESEEK_MEDIA_BUCKET: { Ref: expect.stringMatching(/^MediaBucket/) },
          FRAMESEEK_INDEX_QUEUE_URL: { Ref: expect.stringMatching(/^ProcessingIndexQueue/) },
          FRAMESEEK_INDEX_URI: {
            'Fn::Join': [
              '',
              ['s3+ddb://', { Ref: expect.stringMatching(/^MediaBucket/) }, '/index?ddbTableName=', { Ref: expect.stringMatching(/^SearchIndexCommitTable/) }],
            ],
          },
          FRAMESEEK_EMBEDDER: 'bedrock',
          FRAMESEEK_BEDROCK_MODEL_ID: 'amazon.titan-embed-image-v1',
        },
      });
    }
  });

  it("keeps the search index's commits in an on-demand DynamoDB table keyed as LanceDB's commit store expects", () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'base_uri', KeyType: 'HASH' },
        { AttributeName: 'version', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'base_uri', AttributeType: 'S' },
        { AttributeName: 'version', AttributeType: 'N' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('lets the index worker write the index (objects under index/ and the commit table) and the routes with native modules only read it', () => {
    const commitTable = { 'Fn::GetAtt': [expect.stringMatching(/^SearchIndexCommitTable/), 'Arn'] };
    const indexObjects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^MediaBucket/), 'Arn'] }, '/index/*']] };
    const commitWriters = Object.values(resourcesOfType('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement.some(
          (statement) => [statement.Action].flat().includes('dynamodb:PutItem') && JSON.stringify(statement.Resource).includes('SearchIndexCommitTable'),
        ),
      )
      .flatMap((policy) => (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref));

    expect(commitWriters).toHaveLength(1);
    expect(commitWriters[0]).toMatch(/^ProcessingindexChunkFunctionServiceRole/);
    expect(statementsAllowing('ProcessingindexChunkFunction', 's3:DeleteObject*').map((statement) => statement.Resource)).toContainEqual(
      expect.arrayContaining([indexObjects]),
    );
    for (const route of nativeRoutes) {
      const prefix = `Api${route.name}Function`;
      expect(statementsAllowing(prefix, 'dynamodb:Query').map((statement) => statement.Resource)).toContainEqual([commitTable]);
      expect(statementsAllowing(prefix, 'dynamodb:PutItem').map((statement) => statement.Resource)).not.toContainEqual(expect.arrayContaining([commitTable]));
      expect(statementsAllowing(prefix, 's3:GetObject*').map((statement) => statement.Resource)).toContainEqual(expect.arrayContaining([indexObjects]));
    }
  });

  it('lets the index worker and the routes with native modules invoke the Titan multimodal embedding model on Bedrock, and no one else', () => {
    const invokers = rolesAllowing('bedrock:InvokeModel');

    expect(invokers.map((role) => role.replace(/^(?:Api|Processing)(\w+?)FunctionServiceRole\w*$/, '$1')).sort()).toEqual(
      ['indexChunk', ...nativeRoutes.map((route) => route.name)].sort(),
    );
    for (const prefix of ['ProcessingindexChunkFunction', ...nativeRoutes.map((route) => `Api${route.name}Function`)]) {
      expect(statementsAllowing(prefix, 'bedrock:InvokeModel')).toEqual([
        {
          Action: 'bedrock:InvokeModel',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', { Ref: 'AWS::Region' }, '::foundation-model/amazon.titan-embed-image-v1']],
          },
        },
      ]);
    }
  });

  it('lets only the routes and background functions that talk to Stripe read the Stripe secret, and tells them where it is', () => {
    const stripeRoutes = routeList.filter((route) => 'usesStripe' in route && route.usesStripe);
    const readers = rolesAllowingOn('secretsmanager:GetSecretValue', 'StripeSecret');
    // The charger makes auto top-ups; the daily run retries those nobody picked up and deletes the customers of finished account deletions.
    const stripeBackground = ['AutoTopUpsautoTopUpFunction', 'SchedulesdailyMaintenanceFunction', 'SchedulesdeleteSweepFunction'];

    expect(stripeRoutes.map((route) => route.name).sort()).toEqual(['changePlan', 'configureAutoTopUp', 'startCheckout', 'stripeWebhook', 'topUp']);
    expect(readers.map((role) => role.replace(/^(?:Api|AutoTopUps|Schedules)(\w+?)FunctionServiceRole\w*$/, '$1')).sort()).toEqual(
      [...stripeRoutes.map((route) => route.name), 'autoTopUp', 'dailyMaintenance', 'deleteSweep'].sort(),
    );
    for (const prefix of [...stripeRoutes.map((route) => `Api${route.name}Function`), ...stripeBackground]) {
      expect(functionProperties(functionIdStartingWith(prefix))).toMatchObject({
        Environment: { Variables: expect.objectContaining({ FRAMESEEK_STRIPE_SECRET_ARN: { Ref: expect.stringMatching(/^StripeSecret/) } }) },
      });
    }
    template.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: Match.anyValue() });
  });

  it('gives every API function the generated cursor-signing key, resolved from its secret at deploy time', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }) });
    const cursorSecret = Object.keys(resourcesOfType('AWS::SecretsManager::Secret')).find((logicalId) => logicalId.startsWith('CursorSecret'));

    expect(cursorSecret).toBeDefined();
    for (const route of routeList.filter((candidate) => ['listVideos', 'listCollections', 'agentCall'].includes(candidate.name))) {
      const environment = functionProperties(functionIdStartingWith(`Api${route.name}Function`)).Environment as { Variables: Record<string, unknown> };
      const value = JSON.stringify(environment.Variables.FRAMESEEK_CURSOR_SECRET);
      expect(value).toContain('{{resolve:secretsmanager:');
      expect(value).toContain(`"Ref":"${cursorSecret ?? ''}"`);
    }
  });
});

describe('the CDK stack: outgoing webhooks', () => {
  const queueId = (prefix: string) => Object.keys(resourcesOfType('AWS::SQS::Queue')).find((logicalId) => logicalId.startsWith(prefix));
  const roleOwners = (roles: string[]) => roles.map((role) => role.replace(/^(?:Api|Webhooks)(\w+?)FunctionServiceRole\w*$/, '$1')).sort();

  it('hands new outbox events (EVT#) from the table stream to the fan-out, retried and then parked', () => {
    const tableId = Object.keys(resourcesOfType('AWS::DynamoDB::Table')).find((logicalId) => logicalId.startsWith('DataTable'));

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionIdStartingWith('WebhookswebhookFanOutFunction') },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId('WebhooksFanOutDeadLetterQueue'), 'Arn'] } } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { Keys: { SK: { S: [{ prefix: 'EVT#' }] } } } }) }] },
    });
  });

  it('feeds the sender from its queue in batches, reporting failures per message, with a dead-letter queue after a few receives', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionIdStartingWith('WebhookswebhookSendFunction') },
      EventSourceArn: { 'Fn::GetAtt': [queueId('WebhooksSendQueue'), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [queueId('WebhooksSendDeadLetterQueue'), 'Arn'] }, maxReceiveCount: WEBHOOK_SEND_MAX_RECEIVES },
    });
  });

  it('runs the sweep (due retries, lost fan-outs) every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionIdStartingWith('WebhookswebhookSweepFunction'), 'Arn'] } })],
    });
  });

  it('alarms on the first message in either webhook dead-letter queue', () => {
    for (const prefix of ['WebhooksSendDeadLetterQueue', 'WebhooksFanOutDeadLetterQueue']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId(prefix), 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('keeps the data key that seals signing secrets in a secret encrypted with its own rotating KMS key', () => {
    const keyId = Object.keys(resourcesOfType('AWS::KMS::Key')).find((logicalId) => logicalId.startsWith('WebhooksSecretsKey'));

    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
    });
  });

  it('lets only the routes that seal secrets and the webhook functions read the data key (and decrypt it), and tells the functions outside processing where it and the queue are', () => {
    const sealingRoutes = routeList.filter((route) => route.usesWebhookSecrets).map((route) => route.name);
    const expectedReaders = [...sealingRoutes, 'webhookFanOut', 'webhookSend', 'webhookSweep'].sort();

    expect(sealingRoutes.sort()).toEqual(['createWebhook', 'replaceDefaultWebhookSecret', 'rotateWebhookSecret']);
    expect(roleOwners(rolesAllowingOn('secretsmanager:GetSecretValue', 'WebhooksDataKey'))).toEqual(expectedReaders);
    // Decrypting is granted on the key's own policy, through Secrets Manager only (the account root's statement is KMS's default).
    const keyPolicy = Object.values(resourcesOfType('AWS::KMS::Key'))[0]?.Properties.KeyPolicy as {
      Statement: Array<PolicyStatement & { Principal?: { AWS?: unknown }; Condition?: unknown }>;
    };
    const decrypters = keyPolicy.Statement.filter(
      (statement) => [statement.Action].flat().includes('kms:Decrypt') && JSON.stringify(statement.Condition ?? {}).includes('secretsmanager'),
    )
      .filter((statement) => JSON.stringify(statement.Principal?.AWS).includes('FunctionServiceRole'))
      .map((statement) => JSON.stringify(statement.Principal?.AWS).replace(/^.*"((?:Api|Webhooks)\w+?FunctionServiceRole\w*)".*$/, '$1'));
    expect(roleOwners(decrypters)).toEqual(expectedReaders);
    // Ingest and the index worker only write outbox rows (the stream takes them from there): they are built before the webhooks.
    for (const logicalId of frameseekFunctionIds().filter((id) => !id.startsWith('Processing'))) {
      expect(functionProperties(logicalId)).toMatchObject({
        Environment: {
          Variables: expect.objectContaining({
            FRAMESEEK_WEBHOOK_QUEUE_URL: { Ref: expect.stringMatching(/^WebhooksSendQueue/) },
            FRAMESEEK_WEBHOOK_KEY_SECRET_ARN: { Ref: expect.stringMatching(/^WebhooksDataKey/) },
          }),
        },
      });
    }
  });

  it('lets only the routes that queue attempts (test, retry), the fan-out and the sweep send to the webhook queue', () => {
    const sendingRoutes = routeList.filter((route) => route.sendsWebhooks).map((route) => route.name);

    expect(sendingRoutes.sort()).toEqual(['retryWebhookDelivery', 'testWebhook']);
    expect(roleOwners(rolesAllowingOn('sqs:SendMessage', 'WebhooksSendQueue'))).toEqual([...sendingRoutes, 'webhookFanOut', 'webhookSweep'].sort());
  });
});

describe('the CDK stack with other context: the prod stage, the clip-onnx embedder, a model folder and AWS speech and text engines', () => {
  let variantApp: App;
  let variant: Template;

  beforeAll(() => {
    // One synth for every difference: each is asserted on its own below.
    const built = otherStack('Variant', 'prod', {
      embedder: 'clip-onnx',
      modelDir: 'infra/aws/worker/models',
      transcriber: 'aws-transcribe',
      textReader: 'aws-rekognition',
      corsOrigins: 'https://console.example.com, https://app.example.com',
    });

    variantApp = built.node.root as App;
    variant = Template.fromStack(built);
    expect(warningsOf(built)).toEqual([]);
  });

  it('allows the origins from the context, at API Gateway and in the routes alike', () => {
    const api = Object.values(variant.findResources('AWS::ApiGatewayV2::Api') as Record<string, Resource>)[0];
    const origins = ['https://console.example.com', 'https://app.example.com'];

    expect(api?.Properties.CorsConfiguration).toMatchObject({ AllowOrigins: origins });
    for (const resource of Object.values(variant.findResources('AWS::Lambda::Function') as Record<string, Resource>)) {
      const variables = (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      if ('FRAMESEEK_CORS_ORIGINS' in variables) expect(variables.FRAMESEEK_CORS_ORIGINS).toBe(origins.join(','));
    }
  });

  it('retains the bucket and its objects, and the index commit table', () => {
    variant.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    variant.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    variant.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ KeySchema: [Match.objectLike({ AttributeName: 'base_uri' }), Match.objectLike({ AttributeName: 'version' })] }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('tells every function the embedder from the context, and lets no one invoke Bedrock', () => {
    const functions = Object.values(variant.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter((resource) =>
      JSON.stringify(resource.Properties.Environment ?? {}).includes('FRAMESEEK_STAGE'),
    );

    expect(functions.length).toBeGreaterThan(routeList.length);
    for (const fn of functions) expect(fn.Properties.Environment).toMatchObject({ Variables: { FRAMESEEK_EMBEDDER: 'clip-onnx' } });
    expect(rolesAllowing('bedrock:InvokeModel', variant)).toEqual([]);
  });

  it('tells the index worker to use Transcribe and Rekognition, and lets only it call them', () => {
    const worker = Object.values(variant.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter((resource) =>
      JSON.stringify(resource.Properties.Environment ?? {}).includes('"FRAMESEEK_TRANSCRIBER"'),
    );

    expect(worker).toHaveLength(1);
    expect(worker[0]?.Properties.Environment).toMatchObject({
      Variables: { FRAMESEEK_TRANSCRIBER: 'aws-transcribe', FRAMESEEK_TEXT_READER: 'aws-rekognition' },
    });
    for (const action of ['transcribe:StartTranscriptionJob', 'transcribe:GetTranscriptionJob', 'rekognition:DetectText']) {
      expect(rolesAllowing(action, variant).map((role) => role.replace(/^Processing(\w+?)FunctionServiceRole\w*$/, '$1'))).toEqual(['indexChunk']);
    }
  });

  it('bakes the model folder into every image', () => {
    const images = imageSources(variantApp, variant);

    expect(images.size).toBe(2 + nativeRoutes.length);
    for (const source of images.values()) expect(source.dockerBuildArgs).toMatchObject({ MODEL_DIR: 'infra/aws/worker/models' });
  });

  it('warns when clip-onnx gets no model files, and refuses an unknown embedder or a model folder outside the build context', () => {
    expect(warningsOf(otherStack('ClipWithoutModels', 'test', { embedder: 'clip-onnx' }))).toEqual([expect.stringMatching(/clip-onnx needs model files/)]);
    expect(() => otherStack('Wrong', 'test', { embedder: 'clip' })).toThrow(/frame-descriptor, clip-onnx or bedrock/);
    expect(() => otherStack('WrongSpeech', 'test', { transcriber: 'whisper' })).toThrow(/Context transcriber must be pocketsphinx, aws-transcribe, none/);
    expect(() => otherStack('Hidden', 'test', { modelDir: '.frameseek/models' })).toThrow(/inside the project root/);
    expect(() => otherStack('Outside', 'test', { modelDir: '../models' })).toThrow(/inside the project root/);
    expect(() => otherStack('Missing', 'test', { modelDir: 'no-such-models' })).toThrow(/not a folder/);
  });
});
