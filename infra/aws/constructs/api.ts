import { CfnOutput, Duration } from 'aws-cdk-lib';
import { CfnStage, CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { mediaAccess, tableAccess, type FallbackRoute, type RouteDefinition } from '#lib/http/route';
import { MEDIA_PREFIXES } from '#lib/storage/layout';
import { CORS } from '#lib/http/cors';
import { isBundledRoute } from '#infra/aws/bundling';
import { BundledFunction, FUNCTION_DEFAULTS } from '#infra/aws/constructs/bundled-function';
import { ContainerFunction } from '#infra/aws/constructs/container-function';
import type { SearchIndex } from '#infra/aws/constructs/search-index';
import type { Webhooks } from '#infra/aws/constructs/webhooks';

export interface ApiProps {
  readonly projectRoot: string;
  readonly routes: readonly RouteDefinition[];
  readonly fallback: FallbackRoute;
  readonly table: ITable;
  readonly bucket: IBucket;
  readonly stage: string;
  readonly environment: Readonly<Record<string, string>>;
  /** The Stripe keys ({"secret_key", "webhook_secret"}), readable only by routes that use Stripe. */
  readonly stripeSecret: ISecret;
  /** Where Stripe Checkout sends people back to (the console); without it checkout answers BILLING_NOT_CONFIGURED. */
  readonly publicUrl?: string;
  /** Functions routes may start in the background, by name, with the variable that tells a route their name. */
  readonly backgroundTargets: ReadonlyMap<string, { readonly fn: IFunction; readonly invokeEnvVar: string }>;
  /** Routes marked nativeModules read it (and embed queries with its embedder). */
  readonly searchIndex: SearchIndex;
  /** Model files baked into the native routes' images (see ContainerFunction). */
  readonly modelDir?: string;
  /** Origins a browser may call the API from: API Gateway's preflight and the functions' own answers (FRAMESEEK_CORS_ORIGINS) agree. */
  readonly corsOrigins: readonly string[];
  /** Where index work goes; routes marked sendsIndexWork may send to it (deletes' purges, re-indexing). */
  readonly indexQueue: IQueue;
  /** Routes flagged usesWebhookSecrets may read the webhook data key; those flagged sendsWebhooks may queue attempts. */
  readonly webhooks: Pick<Webhooks, 'grantSecrets' | 'grantSend'>;
}

/**
 * API Gateway's own ceiling on the whole stage, in front of the per-account limits the functions keep (plans.md):
 * a flood from many accounts or none is refused with 429 before it reaches Lambda's concurrency. Requests per
 * second, and the burst a moment may take above it.
 */
export const STAGE_THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;

/**
 * The HTTP API: one function per route of the route table, plus the $default catch-all. A route is a
 * small JavaScript bundle unless it needs native modules (design §6): then a container image from the
 * worker's Dockerfile, with the route's handler.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly functions: ReadonlyMap<string, LambdaFunction>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    const makeFunction = (route: Pick<RouteDefinition, 'name' | 'entry' | 'memoryMb' | 'timeoutSecs' | 'nativeModules'>): LambdaFunction => {
      const size = { memoryMb: route.memoryMb ?? FUNCTION_DEFAULTS.memoryMb, timeoutSecs: route.timeoutSecs ?? FUNCTION_DEFAULTS.timeoutSecs };
      if (isBundledRoute(route)) {
        return new BundledFunction(this, `${route.name}Function`, {
          projectRoot: props.projectRoot,
          entry: route.entry,
          ...size,
          environment: props.environment,
        });
      }
      const fn = new ContainerFunction(this, `${route.name}Function`, {
        projectRoot: props.projectRoot,
        entry: { entry: route.entry, ...size },
        environment: props.environment,
        ...(props.modelDir ? { modelDir: props.modelDir } : {}),
      });
      // Native modules are there for the search index: such a route reads it, never writes it.
      props.searchIndex.grantRead(fn);
      return fn;
    };

    const notFound = makeFunction({ name: props.fallback.name, entry: props.fallback.entry, memoryMb: 256, timeoutSecs: 5 });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `frameseek-${props.stage}`,
      corsPreflight: {
        allowOrigins: [...props.corsOrigins],
        allowHeaders: [...CORS.allowHeaders],
        allowMethods: CORS.allowMethods.map((method) => CorsHttpMethod[method]),
        exposeHeaders: [...CORS.exposeHeaders],
        maxAge: Duration.seconds(CORS.maxAgeSecs),
      },
      defaultIntegration: new HttpLambdaIntegration('NotFoundIntegration', notFound),
    });
    const stage = this.httpApi.defaultStage?.node.defaultChild;
    if (!(stage instanceof CfnStage)) throw new Error('the HTTP API has no default stage to throttle');
    stage.defaultRouteSettings = { throttlingRateLimit: STAGE_THROTTLE.rateLimit, throttlingBurstLimit: STAGE_THROTTLE.burstLimit };

    const functions = new Map<string, LambdaFunction>([[props.fallback.name, notFound]]);
    for (const route of props.routes) {
      const fn = makeFunction(route);
      grantTable(props.table, fn, route);
      grantMedia(props.bucket, fn, route);
      if (route.sendsIndexWork) props.indexQueue.grantSendMessages(fn);
      if (route.usesWebhookSecrets) props.webhooks.grantSecrets(fn);
      if (route.sendsWebhooks) props.webhooks.grantSend(fn);
      if (route.usesStripe) {
        props.stripeSecret.grantRead(fn);
        fn.addEnvironment('FRAMESEEK_STRIPE_SECRET_ARN', props.stripeSecret.secretArn);
        if (props.publicUrl) fn.addEnvironment('FRAMESEEK_PUBLIC_URL', props.publicUrl);
      }
      for (const name of route.startsInBackground ?? []) {
        const target = props.backgroundTargets.get(name);
        if (!target) throw new Error(`Route ${route.name} starts unknown background function ${name}`);
        target.fn.grantInvoke(fn);
        fn.addEnvironment(target.invokeEnvVar, target.fn.functionName);
      }
      this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn),
      });
      functions.set(route.name, fn);
    }
    this.functions = functions;
    new CfnOutput(this, 'Url', { value: this.httpApi.apiEndpoint });
  }
}

/** The table as the route table says (tableAccess): nothing, reads and UpdateItem, or reads and writes. */
function grantTable(table: ITable, fn: LambdaFunction, route: RouteDefinition): void {
  const access = tableAccess(route);
  if (access === 'read_write') table.grantReadWriteData(fn);
  if (access === 'read_update') {
    table.grantReadData(fn);
    table.grant(fn, 'dynamodb:UpdateItem');
  }
}

/**
 * Customers' media as the route table says (mediaAccess), on the media prefixes only: the search index's objects in
 * the same bucket are read through SearchIndex.grantRead by the routes that search, and written by no route.
 */
function grantMedia(bucket: IBucket, fn: LambdaFunction, route: RouteDefinition): void {
  const access = mediaAccess(route);
  for (const prefix of access === 'none' ? [] : MEDIA_PREFIXES) {
    if (access === 'write') bucket.grantReadWrite(fn, `${prefix}*`);
    else bucket.grantRead(fn, `${prefix}*`);
  }
}
