import { resolve } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { API_BUNDLE } from '#infra/aws/bundling';
import { FUNCTION_TRACING, functionLogGroup, OBSERVED_ENVIRONMENT, powertoolsLayer } from '#infra/aws/constructs/observability';

/** A function driven by events rather than HTTP, as functions/routes.ts `backgroundFunctions` lists it. */
export interface BackgroundFunctionEntry {
  readonly name: string;
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeoutSecs: number;
}

/** Size of a function whose route-table entry names none. */
export const FUNCTION_DEFAULTS = { memoryMb: 512, timeoutSecs: 10 } as const;

export interface BundledFunctionProps {
  readonly projectRoot: string;
  /** The handler module, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly memoryMb?: number;
  readonly timeoutSecs?: number;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * A Frameseek function: one entry of the route table (HTTP or background), bundled the same way
 * for every function so that the bundle benchmark measures what is deployed.
 */
export class BundledFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id, {
      entry: resolve(props.projectRoot, props.entry),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      timeout: Duration.seconds(props.timeoutSecs ?? FUNCTION_DEFAULTS.timeoutSecs),
      projectRoot: props.projectRoot,
      depsLockFilePath: resolve(props.projectRoot, 'package-lock.json'),
      environment: { ...props.environment, ...OBSERVED_ENVIRONMENT, NODE_OPTIONS: '--enable-source-maps' },
      // Powertools comes from AWS's layer, so the bundle leaves it out (API_BUNDLE.externalModules).
      layers: [powertoolsLayer(scope)],
      tracing: FUNCTION_TRACING,
      logGroup: functionLogGroup(scope),
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
  }
}
