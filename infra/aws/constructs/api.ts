import { resolve } from 'node:path';
import { CfnOutput, Duration } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import type { FallbackRoute, RouteDefinition } from '#lib/http/route';
import { API_BUNDLE } from '#infra/aws/bundling';

export interface ApiProps {
  readonly projectRoot: string;
  readonly routes: readonly RouteDefinition[];
  readonly fallback: FallbackRoute;
  readonly table: ITable;
  readonly stage: string;
  readonly environment: Readonly<Record<string, string>>;
}

/** The HTTP API: one bundled function per route of the route table, plus the $default catch-all. */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly functions: ReadonlyMap<string, NodejsFunction>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const makeFunction = (name: string, entry: string, memoryMb = 512, timeoutSecs = 10) =>
      new NodejsFunction(this, `${name}Function`, {
        entry: resolve(props.projectRoot, entry),
        handler: 'handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: memoryMb,
        timeout: Duration.seconds(timeoutSecs),
        projectRoot: props.projectRoot,
        depsLockFilePath: resolve(props.projectRoot, 'package-lock.json'),
        environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
        bundling: {
          target: API_BUNDLE.target,
          format: OutputFormat.ESM,
          minify: API_BUNDLE.minify,
          sourceMap: API_BUNDLE.sourceMap,
          mainFields: [...API_BUNDLE.mainFields],
          banner: API_BUNDLE.banner,
          externalModules: [...API_BUNDLE.externalModules],
        },
      });

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

    const functions = new Map<string, NodejsFunction>([[props.fallback.name, notFound]]);
    for (const route of props.routes) {
      const fn = makeFunction(route.name, route.entry, route.memoryMb, route.timeoutSecs);
      // Public routes that never touch data get no table access at all.
      if (route.auth !== 'none' || route.method !== 'GET') props.table.grantReadWriteData(fn);
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
