import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PT_VERSION } from '@aws-lambda-powertools/commons';
import { beforeAll, describe, expect, it } from 'vitest';
import { FrameseekStack } from '#infra/aws/stack';
import { PROJECT_ROOT } from '#infra/local/runtime';
import { METRIC, METRICS_NAMESPACE } from '#lib/metrics';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

function synth(id: string, stage: string, context: Record<string, unknown> = {}): Template {
  // Bundling is exercised by `npx cdk synth` and the bundle benchmark; here only the template matters.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new FrameseekStack(app, id, { stage, projectRoot: PROJECT_ROOT }));
}

let template: Template;

beforeAll(() => {
  template = synth('Observed', 'dev', { alarmEmail: 'ops@example.com' });
});

function resourcesOfType(type: string, inTemplate: Template = template): Record<string, Resource> {
  return inTemplate.findResources(type) as Record<string, Resource>;
}

/** Frameseek's own functions are the ones told a stage; everything else is CDK plumbing. */
function frameseekFunctions(): Resource[] {
  return Object.values(resourcesOfType('AWS::Lambda::Function')).filter((resource) =>
    JSON.stringify(resource.Properties.Environment ?? {}).includes('FRAMESEEK_STAGE'),
  );
}

function alarmsOn(metricName: string): Resource[] {
  return Object.values(resourcesOfType('AWS::CloudWatch::Alarm')).filter((alarm) => JSON.stringify(alarm.Properties).includes(`"${metricName}"`));
}

describe('the CDK stack: logs, metrics and traces', () => {
  it('has every function write JSON logs to one log group kept 30 days, emit metrics as EMF and trace with X-Ray', () => {
    const functions = frameseekFunctions();
    const logGroups = Object.entries(resourcesOfType('AWS::Logs::LogGroup'));

    expect(functions.length).toBeGreaterThan(50);
    expect(logGroups).toHaveLength(1);
    const [logGroupId, logGroup] = logGroups[0] ?? ['', { Properties: {} }];
    expect(logGroup.Properties.RetentionInDays).toBe(30);
    for (const fn of functions) {
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogGroup: { Ref: logGroupId } });
      expect(fn.Properties.Environment).toMatchObject({ Variables: { FRAMESEEK_METRICS: 'emf', POWERTOOLS_SERVICE_NAME: 'frameseek' } });
    }
  });

  it("gives every bundled function AWS's Powertools layer of the installed release, found through AWS's public parameter", () => {
    const parameters = Object.values(template.toJSON().Parameters as Record<string, { Type: string; Default?: string }>);
    const bundled = frameseekFunctions().filter((fn) => fn.Properties.Runtime !== undefined);

    const layerParameter = parameters.find((parameter) => parameter.Default === `/aws/service/powertools/typescript/generic/all/${PT_VERSION}`);

    expect(layerParameter?.Type).toBe('AWS::SSM::Parameter::Value<String>');
    expect(bundled.length).toBeGreaterThan(40);
    for (const fn of bundled) expect(fn.Properties.Layers).toHaveLength(1);
  });

  it('keeps the log group when a prod stack is deleted, and drops it with a dev stack', () => {
    const prod = synth('ObservedProd', 'prod');

    const [prodLogGroup] = Object.values(prod.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>).filter(
      (resource) => resource.Type === 'AWS::Logs::LogGroup',
    );
    const [devLogGroup] = Object.values(template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>).filter(
      (resource) => resource.Type === 'AWS::Logs::LogGroup',
    );

    expect(prodLogGroup?.DeletionPolicy).toBe('Retain');
    expect(devLogGroup?.DeletionPolicy).toBe('Delete');
  });
});

describe('the CDK stack: alarms and dashboard', () => {
  it('sends every alarm to one SNS topic, mailed to the address from the context', () => {
    const topics = Object.keys(resourcesOfType('AWS::SNS::Topic'));
    const alarms = Object.values(resourcesOfType('AWS::CloudWatch::Alarm'));

    expect(topics).toHaveLength(1);
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topics[0] }]);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('alarms on the first message in every dead-letter queue of the stack', () => {
    const deadLetterQueues = Object.keys(resourcesOfType('AWS::SQS::Queue')).filter((logicalId) => logicalId.includes('DeadLetterQueue'));

    const watched = alarmsOn('ApproximateNumberOfMessagesVisible').map((alarm) => JSON.stringify(alarm.Properties.Dimensions));

    expect(deadLetterQueues.length).toBeGreaterThanOrEqual(4);
    for (const queue of deadLetterQueues) expect(watched.some((dimensions) => dimensions.includes(`"${queue}"`))).toBe(true);
  });

  it('alarms on the 5xx rate of the HTTP API, Lambda and DynamoDB throttles, and the oldest queued index chunk', () => {
    const [serverErrorRate] = alarmsOn('5xx');
    const [oldestChunk] = alarmsOn('ApproximateAgeOfOldestMessage');

    expect(JSON.stringify(serverErrorRate?.Properties.Metrics)).toContain('100 * errors / requests');
    expect(serverErrorRate?.Properties.Threshold).toBe(1);
    expect(alarmsOn('Throttles')).toHaveLength(1);
    expect(JSON.stringify(alarmsOn('ReadThrottleEvents')[0]?.Properties.Metrics)).toContain('WriteThrottleEvents');
    expect(oldestChunk?.Properties).toMatchObject({ Threshold: 900, Statistic: 'Maximum' });
    expect(JSON.stringify(oldestChunk?.Properties.Dimensions)).toContain('ProcessingIndexQueue');
  });

  it("alarms on the job failure rate and on Stripe webhook failures from the API's own metrics", () => {
    const [jobFailures] = alarmsOn(METRIC.jobsFinished);
    const stripe = alarmsOn(METRIC.errorResponses);

    expect(JSON.stringify(jobFailures?.Properties.Metrics)).toContain('100 * failed / (completed + failed)');
    expect(JSON.stringify(jobFailures?.Properties.Metrics)).toContain(METRICS_NAMESPACE);
    expect(jobFailures?.Properties.Threshold).toBe(20);
    expect(stripe).toHaveLength(1);
    expect(stripe[0]?.Properties).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: expect.arrayContaining([{ Name: 'route', Value: 'stripeWebhook' }]),
    });
  });

  it('has one operations dashboard showing search latency, the index queue, jobs, dead letters, throttles and errors by code', () => {
    const dashboards = Object.values(resourcesOfType('AWS::CloudWatch::Dashboard'));

    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const title of [
      'Search latency',
      'Index queue',
      'Jobs finished',
      'Dead-letter queues',
      'Throttles',
      'Errors by code',
      'Indexing seconds per video minute',
    ]) {
      expect(body).toContain(title);
    }
  });
});
