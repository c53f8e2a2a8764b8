import { CfnOutput, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { backgroundFunctions, routes, fallbackRoute } from '#functions/routes';
import type { RouteDefinition } from '#lib/http/route';
import { Data } from '#infra/aws/constructs/data';
import { Media } from '#infra/aws/constructs/media';
import { Processing } from '#infra/aws/constructs/processing';
import { Schedules } from '#infra/aws/constructs/schedules';
import { Api } from '#infra/aws/constructs/api';

export interface FrameseekStackProps extends StackProps {
  readonly stage: string;
  readonly projectRoot: string;
}

/** Frameseek in AWS, assembled from domain constructs; routes come from the route table. */
export class FrameseekStack extends Stack {
  readonly data: Data;
  readonly media: Media;
  readonly processing: Processing;
  readonly schedules: Schedules;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: FrameseekStackProps) {
    super(scope, id, props);
    const retainOnDelete = props.stage === 'prod';
    this.data = new Data(this, 'Data', { retainOnDelete });
    this.media = new Media(this, 'Media', { retainOnDelete });
    const { table } = this.data;
    const { bucket } = this.media;
    const storageEnvironment = {
      FRAMESEEK_STAGE: props.stage,
      FRAMESEEK_TABLE_NAME: table.tableName,
      FRAMESEEK_MEDIA_BUCKET: bucket.bucketName,
    };

    this.processing = new Processing(this, 'Processing', {
      projectRoot: props.projectRoot,
      ingest: backgroundFunctions.ingest,
      fetchSource: backgroundFunctions.fetchSource,
      table,
      bucket,
      environment: storageEnvironment,
    });
    this.media.ingestNewVideosWith(this.processing.ingestFunction);

    // Every function knows the queue, even those not allowed to send to it: without the URL the code
    // would fall back to the in-process queue and lose messages silently instead of failing loudly.
    const environment = { ...storageEnvironment, FRAMESEEK_INDEX_QUEUE_URL: this.processing.indexQueue.queueUrl };
    this.schedules = new Schedules(this, 'Schedules', {
      projectRoot: props.projectRoot,
      dailyMaintenance: backgroundFunctions.dailyMaintenance,
      table,
      bucket,
      environment,
    });
    // Created with empty values, so billing stays off until an operator puts the Stripe keys in it.
    const stripeSecret = new Secret(this, 'StripeSecret', {
      description: 'Frameseek Stripe keys: {"secret_key": "sk_…", "webhook_secret": "whsec_…"}',
      secretObjectValue: { secret_key: SecretValue.unsafePlainText(''), webhook_secret: SecretValue.unsafePlainText('') },
      removalPolicy: retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const publicUrl: unknown = this.node.tryGetContext('publicUrl');
    this.api = new Api(this, 'Api', {
      stripeSecret,
      ...(typeof publicUrl === 'string' ? { publicUrl } : {}),
      projectRoot: props.projectRoot,
      routes: Object.values(routes) as RouteDefinition[],
      fallback: fallbackRoute,
      table,
      bucket,
      stage: props.stage,
      environment,
      backgroundTargets: new Map([
        [backgroundFunctions.fetchSource.name, { fn: this.processing.fetchSourceFunction, invokeEnvVar: backgroundFunctions.fetchSource.invokeEnvVar }],
      ]),
    });
    new CfnOutput(this, 'MediaBucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'StripeSecretArn', { value: stripeSecret.secretArn });
  }
}
