import { Annotations, CfnOutput, RemovalPolicies, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { backgroundFunctions, routes, fallbackRoute } from '#functions/routes';
import type { RouteDefinition } from '#lib/http/route';
import { Data } from '#infra/aws/constructs/data';
import { Media } from '#infra/aws/constructs/media';
import { Processing } from '#infra/aws/constructs/processing';
import { Schedules } from '#infra/aws/constructs/schedules';
import { AutoTopUps } from '#infra/aws/constructs/auto-topups';
import { Webhooks } from '#infra/aws/constructs/webhooks';
import { Api } from '#infra/aws/constructs/api';
import { Monitoring } from '#infra/aws/constructs/monitoring';
import { modelDirBuildArg } from '#infra/aws/constructs/container-function';
import { DEFAULT_AWS_EMBEDDER, isEmbedderKind, SearchIndex, type EmbedderKind } from '#infra/aws/constructs/search-index';

export interface FrameseekStackProps extends StackProps {
  readonly stage: string;
  readonly projectRoot: string;
}

/**
 * Frameseek in AWS, assembled from domain constructs; routes come from the route table.
 *
 * Context: `stage`; `publicUrl` (Stripe Checkout's way back); `embedder` (frame-descriptor | clip-onnx |
 * bedrock, default bedrock); `modelDir` (a folder in the project root baked into the container images
 * at /opt/models, e.g. what `frameseek models pull` wrote, for clip-onnx); `transcriber` (pocketsphinx |
 * aws-transcribe, default pocketsphinx), `textReader` (tesseract | aws-rekognition, default tesseract) and
 * `corsOrigins` (comma-separated, default *); `alarmEmail` (where alarms are mailed; the SNS topic exists either way).
 */
export class FrameseekStack extends Stack {
  readonly data: Data;
  readonly media: Media;
  readonly searchIndex: SearchIndex;
  readonly processing: Processing;
  readonly schedules: Schedules;
  readonly autoTopUps: AutoTopUps;
  readonly webhooks: Webhooks;
  readonly api: Api;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: FrameseekStackProps) {
    super(scope, id, props);
    const retainOnDelete = props.stage === 'prod';
    this.data = new Data(this, 'Data', { retainOnDelete });
    this.media = new Media(this, 'Media', { retainOnDelete });
    const { table } = this.data;
    const { bucket } = this.media;
    this.searchIndex = new SearchIndex(this, 'SearchIndex', { bucket, retainOnDelete, embedder: this.embedderFromContext() });
    const modelDirContext: unknown = this.node.tryGetContext('modelDir');
    const modelDir = typeof modelDirContext === 'string' && modelDirContext !== '' ? modelDirBuildArg(props.projectRoot, modelDirContext) : undefined;
    if (this.searchIndex.embedder === 'clip-onnx' && !modelDir) {
      Annotations.of(this).addWarning('embedder clip-onnx needs model files in the images: pass -c modelDir=<folder with the model>');
    }
    // The index and its embedder go to every function, those that never touch the index included:
    // one set of engine settings for the whole deployment, and nothing to forget when a route starts searching.
    const storageEnvironment = {
      FRAMESEEK_STAGE: props.stage,
      FRAMESEEK_TABLE_NAME: table.tableName,
      FRAMESEEK_MEDIA_BUCKET: bucket.bucketName,
      ...this.searchIndex.environment,
    };

    this.processing = new Processing(this, 'Processing', {
      projectRoot: props.projectRoot,
      ingest: backgroundFunctions.ingest,
      fetchSource: backgroundFunctions.fetchSource,
      indexChunk: backgroundFunctions.indexChunk,
      deadLetter: backgroundFunctions.deadLetter,
      table,
      bucket,
      searchIndex: this.searchIndex,
      ...(modelDir ? { modelDir } : {}),
      environment: storageEnvironment,
      transcriber: this.choiceFromContext('transcriber', ['pocketsphinx', 'aws-transcribe', 'none'] as const, 'pocketsphinx'),
      textReader: this.choiceFromContext('textReader', ['tesseract', 'aws-rekognition', 'none'] as const, 'tesseract'),
    });
    this.media.ingestNewVideosWith(this.processing.ingestFunction);

    // Every function knows the queue, even those not allowed to send to it: without the URL the code
    // would fall back to the in-process queue and lose messages silently instead of failing loudly.
    this.webhooks = new Webhooks(this, 'Webhooks', {
      projectRoot: props.projectRoot,
      fanOut: backgroundFunctions.webhookFanOut,
      send: backgroundFunctions.webhookSend,
      sweep: backgroundFunctions.webhookSweep,
      table,
      environment: { ...storageEnvironment, FRAMESEEK_INDEX_QUEUE_URL: this.processing.indexQueue.queueUrl },
      retainOnDelete,
    });
    // Likewise the webhook queue and data key: named everywhere, usable only where granted (the Api's route flags).
    const environment = { ...storageEnvironment, FRAMESEEK_INDEX_QUEUE_URL: this.processing.indexQueue.queueUrl, ...this.webhooks.environment };
    // Created with empty values, so billing stays off until an operator puts the Stripe keys in it.
    const stripeSecret = new Secret(this, 'StripeSecret', {
      description: 'Frameseek Stripe keys: {"secret_key": "sk_…", "webhook_secret": "whsec_…"}',
      secretObjectValue: { secret_key: SecretValue.unsafePlainText(''), webhook_secret: SecretValue.unsafePlainText('') },
      removalPolicy: retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.schedules = new Schedules(this, 'Schedules', {
      projectRoot: props.projectRoot,
      dailyMaintenance: backgroundFunctions.dailyMaintenance,
      deleteSweep: backgroundFunctions.deleteSweep,
      table,
      bucket,
      stripeSecret,
      environment,
    });
    this.autoTopUps = new AutoTopUps(this, 'AutoTopUps', {
      projectRoot: props.projectRoot,
      autoTopUp: backgroundFunctions.autoTopUp,
      table,
      stripeSecret,
      environment,
    });
    // Finishing an interrupted account or collection delete purges its index rows through the worker.
    this.processing.indexQueue.grantSendMessages(this.schedules.dailyMaintenanceFunction);
    this.processing.indexQueue.grantSendMessages(this.schedules.deleteSweepFunction);
    // Signs list cursors (meta.next_cursor): generated once, the same in every API function, read at deploy
    // time into their environment (a cold start reads nothing more).
    const cursorSecret = new Secret(this, 'CursorSecret', {
      description: 'Frameseek: the HMAC key that signs list cursors',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const publicUrl: unknown = this.node.tryGetContext('publicUrl');
    const corsOrigins = this.corsOriginsFromContext();
    this.api = new Api(this, 'Api', {
      corsOrigins,
      stripeSecret,
      ...(typeof publicUrl === 'string' ? { publicUrl } : {}),
      projectRoot: props.projectRoot,
      routes: Object.values(routes) as RouteDefinition[],
      fallback: fallbackRoute,
      table,
      bucket,
      stage: props.stage,
      environment: { ...environment, FRAMESEEK_CORS_ORIGINS: corsOrigins.join(','), FRAMESEEK_CURSOR_SECRET: cursorSecret.secretValue.unsafeUnwrap() },
      backgroundTargets: new Map([
        [backgroundFunctions.fetchSource.name, { fn: this.processing.fetchSourceFunction, invokeEnvVar: backgroundFunctions.fetchSource.invokeEnvVar }],
        [backgroundFunctions.deleteSweep.name, { fn: this.schedules.deleteSweepFunction, invokeEnvVar: backgroundFunctions.deleteSweep.invokeEnvVar }],
      ]),
      searchIndex: this.searchIndex,
      ...(modelDir ? { modelDir } : {}),
      indexQueue: this.processing.indexQueue,
      webhooks: this.webhooks,
    });
    // Last: it alarms on every dead-letter queue the constructs above made.
    const alarmEmail: unknown = this.node.tryGetContext('alarmEmail');
    this.monitoring = new Monitoring(this, 'Monitoring', {
      httpApi: this.api.httpApi,
      table,
      indexQueue: this.processing.indexQueue,
      ...(typeof alarmEmail === 'string' && alarmEmail !== '' ? { alarmEmail } : {}),
    });
    // Function logs outlive a prod stack, like its data.
    if (retainOnDelete) RemovalPolicies.of(this).retain({ applyToResourceTypes: ['AWS::Logs::LogGroup'] });
    new CfnOutput(this, 'MediaBucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'StripeSecretArn', { value: stripeSecret.secretArn });
  }

  private choiceFromContext<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value: unknown = this.node.tryGetContext(name) ?? fallback;
    const choice = choices.find((candidate) => candidate === value);
    if (choice === undefined) throw new Error(`Context ${name} must be ${choices.join(', ')}, not ${String(value)}`);
    return choice;
  }

  /** Context `corsOrigins`: comma-separated origins allowed to call the API from a browser (default any). */
  private corsOriginsFromContext(): string[] {
    const value: unknown = this.node.tryGetContext('corsOrigins') ?? '*';
    if (typeof value !== 'string' || value.trim() === '')
      throw new Error(`Context corsOrigins must be a comma-separated list of origins, not ${String(value)}`);
    return value.split(',').map((origin) => origin.trim());
  }

  private embedderFromContext(): EmbedderKind {
    const embedder: unknown = this.node.tryGetContext('embedder') ?? DEFAULT_AWS_EMBEDDER;
    if (!isEmbedderKind(embedder)) throw new Error(`Context embedder must be frame-descriptor, clip-onnx or bedrock, not ${String(embedder)}`);
    return embedder;
  }
}
