import { CfnOutput, Duration } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { FallbackRoute, RouteDefinition } from '#lib/http/route';
import { BundledFunction } from '#infra/aws/constructs/bundled-function';

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
}

/** The HTTP API: one bundled function per route of the route table, plus the $default catch-all. */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly functions: ReadonlyMap<string, BundledFunction>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const makeFunction = (name: string, entry: string, memoryMb?: number, timeoutSecs?: number) =>
      new BundledFunction(this, `${name}Function`, { projectRoot: props.projectRoot, entry, memoryMb, timeoutSecs, environment: props.environment });

    const notFound = makeFunction(props.fallback.name, props.fallback.entry, 256, 5);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `frameseek-${props.stage}`,
      corsPreflight: {
        allowOrigins: ['*'],
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
        allowMethods: [CorsHttpMethod.ANY],
        exposeHeaders: ['X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
        maxAge: Duration.minutes(10),
      },
      defaultIntegration: new HttpLambdaIntegration('NotFoundIntegration', notFound),
    });

    const functions = new Map<string, BundledFunction>([[props.fallback.name, notFound]]);
    for (const route of props.routes) {
      const fn = makeFunction(route.name, route.entry, route.memoryMb, route.timeoutSecs);
      // Public routes that never touch data get no table access at all.
      if (route.auth !== 'none' || route.method !== 'GET') props.table.grantReadWriteData(fn);
      // Signed-in routes presign uploads and playback and delete media (read/write includes delete);
      // public ones never see the bucket. None of them sends to the index queue: only ingest does.
      if (route.auth !== 'none') props.bucket.grantReadWrite(fn);
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
