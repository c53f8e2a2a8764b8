import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FrameseekStack } from '#infra/aws/stack';
import { PROJECT_ROOT } from '#infra/local/runtime';
import { backgroundFunctions, routes } from '#functions/routes';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

let template: Template;
const routeList = Object.values(routes);
/** The background functions this stack wires (an S3 trigger, an asynchronous invoke, a schedule). */
const deployedBackgroundFunctions = [backgroundFunctions.ingest, backgroundFunctions.fetchSource, backgroundFunctions.dailyMaintenance];

/** Singleton Lambdas behind CDK's own custom resources (bucket auto-delete, bucket notifications). */
const CUSTOM_RESOURCE_HANDLERS = ['CustomS3AutoDeleteObjectsCustomResourceProviderHandler', 'BucketNotificationsHandler'];

beforeAll(() => {
  // Bundling is exercised by `npx cdk synth` and the bundle benchmark; here only the template matters.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new FrameseekStack(app, 'Test', { stage: 'test', projectRoot: PROJECT_ROOT });
  template = Template.fromStack(stack);
});

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
function rolesAllowing(action: string): string[] {
  return Object.values(resourcesOfType('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(`"${action}"`))
    .flatMap((policy) => (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref));
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
    const ingestId = functionIdStartingWith('ProcessingingestFunction');
    for (const logicalId of ownFunctionIds.filter((id) => id !== ingestId)) {
      expect(functionProperties(logicalId)).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
    }
  });

  it('runs ingest as an arm64 container image (ffprobe from the Debian package list), built at deploy time', () => {
    const ingest = functionProperties(functionIdStartingWith('ProcessingingestFunction'));

    expect(ingest).toMatchObject({ PackageType: 'Image', Architectures: ['arm64'], Code: { ImageUri: expect.anything() } });
    expect(ingest.Runtime).toBeUndefined();
  });

  it("lets only the upload route start the source fetcher, and tells it the fetcher's name", () => {
    const fetcherId = functionIdStartingWith('ProcessingfetchSourceFunction');
    const invokers = rolesAllowing('lambda:InvokeFunction');
    const createUploadId = functionIdStartingWith('ApicreateUploadFunction');

    expect(invokers).toHaveLength(1);
    expect(invokers[0]).toMatch(/^ApicreateUploadFunctionServiceRole/);
    expect(functionProperties(createUploadId)).toMatchObject({
      Environment: { Variables: expect.objectContaining({ FRAMESEEK_FETCH_FUNCTION_NAME: { Ref: fetcherId } }) },
    });
  });

  it('sizes the background functions from their entries in the route table', () => {
    const { ingest, dailyMaintenance, fetchSource } = backgroundFunctions;

    expect(functionProperties(functionIdStartingWith('ProcessingingestFunction'))).toMatchObject({ MemorySize: ingest.memoryMb, Timeout: ingest.timeoutSecs });
    expect(functionProperties(functionIdStartingWith('ProcessingfetchSourceFunction'))).toMatchObject({
      MemorySize: fetchSource.memoryMb,
      Timeout: fetchSource.timeoutSecs,
    });
    expect(functionProperties(functionIdStartingWith('SchedulesdailyMaintenanceFunction'))).toMatchObject({
      MemorySize: dailyMaintenance.memoryMb,
      Timeout: dailyMaintenance.timeoutSecs,
    });
  });

  it('routes every method and path of the table, and sends the rest to the catch-all', () => {
    const routeKeys = Object.values(resourcesOfType('AWS::ApiGatewayV2::Route')).map((resource) => resource.Properties.RouteKey);

    expect(routeKeys.sort()).toEqual([...routeList.map((route) => `${route.method} ${route.path}`), '$default'].sort());
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

  it('retains the bucket and its objects with the prod stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const prod = Template.fromStack(new FrameseekStack(app, 'Prod', { stage: 'prod', projectRoot: PROJECT_ROOT }));

    prod.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    prod.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
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

  it('parks index chunks that fail five times in a dead-letter queue kept for 14 days', () => {
    const queues = resourcesOfType('AWS::SQS::Queue');
    const deadLetterId = Object.keys(queues).find((logicalId) => logicalId.startsWith('ProcessingIndexDeadLetterQueue'));
    expect(deadLetterId).toBeDefined();

    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 15 * 60,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterId, 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 60 * 60 });
    // Both queues refuse requests that are not over TLS.
    const tlsOnlyQueues = Object.values(resourcesOfType('AWS::SQS::QueuePolicy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsOnlyQueues).toHaveLength(2);
  });

  it('runs daily maintenance at 00:00 UTC every day', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 0 * * ? *)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionIdStartingWith('SchedulesdailyMaintenanceFunction'), 'Arn'] } })],
    });
  });

  it('lets only the ingest function send to the index queue', () => {
    const sendingRoles = rolesAllowing('sqs:SendMessage');

    expect(sendingRoles).toHaveLength(1);
    expect(sendingRoles[0]).toMatch(/^ProcessingingestFunctionServiceRole/);
    expect(sendingRoles.some((role) => role.startsWith('Api'))).toBe(false);
  });

  it('gives table access only to functions that need it', () => {
    const rolesWithTableAccess = rolesAllowing('dynamodb:PutItem');

    const dataRoutes = routeList.filter((route) => route.auth !== 'none' || route.method !== 'GET');
    expect(rolesWithTableAccess).toHaveLength(dataRoutes.length + deployedBackgroundFunctions.length);
    expect(rolesWithTableAccess.some((role) => role.startsWith('ApihealthFunction'))).toBe(false);
    expect(rolesWithTableAccess.some((role) => role.startsWith('ApiopenApiFunction'))).toBe(false);
    expect(rolesWithTableAccess.some((role) => role.startsWith('ApinotFoundFunction'))).toBe(false);
  });

  it('gives media access (read, write, delete) only to signed-in routes and the background functions', () => {
    const rolesWithMediaAccess = rolesAllowing('s3:DeleteObject*');
    const signedInRoutes = routeList.filter((route) => route.auth !== 'none');

    expect(rolesWithMediaAccess).toHaveLength(signedInRoutes.length + deployedBackgroundFunctions.length);
    for (const role of rolesWithMediaAccess) {
      expect(rolesAllowing('s3:GetObject*')).toContain(role);
      expect(rolesAllowing('s3:PutObject')).toContain(role);
    }
    for (const publicRoute of ['health', 'openApi', 'notFound', 'signUp', 'logIn']) {
      expect(rolesWithMediaAccess.some((role) => role.startsWith(`Api${publicRoute}Function`))).toBe(false);
    }
  });

  it('tells every function its stage, table, bucket and index queue', () => {
    for (const logicalId of frameseekFunctionIds()) {
      expect(functionProperties(logicalId).Environment).toMatchObject({
        Variables: {
          FRAMESEEK_STAGE: 'test',
          FRAMESEEK_TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
          FRAMESEEK_MEDIA_BUCKET: { Ref: expect.stringMatching(/^MediaBucket/) },
          FRAMESEEK_INDEX_QUEUE_URL: { Ref: expect.stringMatching(/^ProcessingIndexQueue/) },
        },
      });
    }
  });

  it('lets only the routes that talk to Stripe read the Stripe secret, and tells them where it is', () => {
    const stripeRoutes = routeList.filter((route) => 'usesStripe' in route && route.usesStripe);
    const readers = rolesAllowing('secretsmanager:GetSecretValue');

    expect(stripeRoutes.map((route) => route.name).sort()).toEqual([
      'changePlan',
      'configureAutoTopUp',
      'deleteAccount',
      'startCheckout',
      'stripeWebhook',
      'topUp',
    ]);
    expect(readers.map((role) => role.replace(/^Api(\w+?)FunctionServiceRole\w*$/, '$1')).sort()).toEqual(stripeRoutes.map((route) => route.name).sort());
    for (const route of stripeRoutes) {
      expect(functionProperties(functionIdStartingWith(`Api${route.name}Function`))).toMatchObject({
        Environment: { Variables: expect.objectContaining({ FRAMESEEK_STRIPE_SECRET_ARN: { Ref: expect.stringMatching(/^StripeSecret/) } }) },
      });
    }
    template.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: Match.anyValue() });
  });
});
