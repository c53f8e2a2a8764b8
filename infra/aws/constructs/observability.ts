import { PT_VERSION } from '@aws-lambda-powertools/commons';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { LayerVersion, Tracing, type ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';

/** How long function logs are kept: long enough to investigate a month's billing question, no longer. */
export const LOG_RETENTION = RetentionDays.ONE_MONTH;

/** What every function gets for logs, metrics and traces (lib/log.ts, lib/metrics.ts), whatever its packaging. */
export const OBSERVED_ENVIRONMENT = { FRAMESEEK_METRICS: 'emf', POWERTOOLS_SERVICE_NAME: 'frameseek' } as const;

/**
 * AWS's own Powertools layer, found by its version through the public SSM parameter AWS keeps for
 * each release (the one installed here, PT_VERSION), so the bundles leave Powertools out (API_BUNDLE.externalModules) and stay small.
 * One per stack.
 */
export function powertoolsLayer(scope: Construct): ILayerVersion {
  const stack = Stack.of(scope);
  const known = layers.get(stack);
  if (known) return known;
  const arn = StringParameter.valueForStringParameter(stack, `/aws/service/powertools/typescript/generic/all/${PT_VERSION}`);
  const layer = LayerVersion.fromLayerVersionArn(stack, 'PowertoolsLayer', arn);
  layers.set(stack, layer);
  return layer;
}

const layers = new WeakMap<Stack, ILayerVersion>();

/**
 * The one log group every function of the stack writes to, kept LOG_RETENTION (the stack retains it in
 * prod: see FrameseekStack). Lambda names each stream after its function and version, so one Logs
 * Insights query follows a request id across functions, and the stack spends one resource on logs
 * rather than one per function (CloudFormation allows 500).
 */
export function functionLogGroup(scope: Construct): ILogGroup {
  const stack = Stack.of(scope);
  const known = logGroups.get(stack);
  if (known) return known;
  const logGroup = new LogGroup(stack, 'FunctionLogs', { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.DESTROY });
  logGroups.set(stack, logGroup);
  return logGroup;
}

const logGroups = new WeakMap<Stack, ILogGroup>();

export const FUNCTION_TRACING = Tracing.ACTIVE;
