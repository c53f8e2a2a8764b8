import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '#lib/metrics';

export interface MonitoringProps {
  readonly httpApi: HttpApi;
  readonly table: ITable;
  /** The queue of index chunks: its oldest message says how far behind indexing is. */
  readonly indexQueue: IQueue;
  /** Where alarms are mailed (context `alarmEmail`); the topic exists either way. */
  readonly alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);
/** Custom metrics carry the service dimension Powertools adds (lib/metrics.ts). */
const SERVICE = { service: 'frameseek' };

function custom(metricName: string, dimensions: Record<string, string>, statistic = 'Sum'): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { ...SERVICE, ...dimensions }, statistic, period: FIVE_MINUTES });
}

/** Every dead-letter queue of the stack, by the naming every construct here follows. */
function deadLetterQueuesOf(stack: Stack): Queue[] {
  return stack.node.findAll().filter((construct): construct is Queue => construct instanceof Queue && /DeadLetterQueue$/.test(construct.node.id));
}

/**
 * What an operator watches: alarms on the API's 5xx rate, throttles (Lambda and DynamoDB), every
 * dead-letter queue, the age of the oldest queued index chunk, the job failure rate and Stripe
 * webhook failures, all sent to one SNS topic; and one dashboard. Created last in the stack, so it
 * finds every dead-letter queue the other constructs made.
 */
export class Monitoring extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: ReadonlyMap<string, Alarm>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'Frameseek alarms' });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const alarms = new Map<string, Alarm>();
    const alarm = (alarmId: string, description: string, metric: IMetric, threshold: number, periods = 1): void => {
      const created = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new SnsAction(this.alarmTopic));
      alarms.set(alarmId, created);
    };

    const requests = props.httpApi.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const serverErrors = props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const serverErrorRate = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      label: '5xx %',
      period: FIVE_MINUTES,
    });
    alarm('Api5xxRateAlarm', 'More than 1 % of API answers were 5xx for 10 minutes', serverErrorRate, 1, 2);

    const lambdaThrottles = new Metric({ namespace: 'AWS/Lambda', metricName: 'Throttles', statistic: 'Sum', period: FIVE_MINUTES });
    alarm('LambdaThrottlesAlarm', 'Lambda throttled invocations (account concurrency reached)', lambdaThrottles, 1);
    const tableThrottles = new MathExpression({
      expression: 'reads + writes',
      usingMetrics: {
        reads: props.table.metric('ReadThrottleEvents', { statistic: 'Sum', period: FIVE_MINUTES }),
        writes: props.table.metric('WriteThrottleEvents', { statistic: 'Sum', period: FIVE_MINUTES }),
      },
      label: 'DynamoDB throttles',
      period: FIVE_MINUTES,
    });
    alarm('TableThrottlesAlarm', 'DynamoDB throttled reads or writes on the table', tableThrottles, 1);

    const deadLetterQueues = deadLetterQueuesOf(Stack.of(this));
    for (const queue of deadLetterQueues) {
      alarm(
        `${queue.node.scope?.node.id ?? ''}${queue.node.id}Alarm`,
        'Work that failed every retry is parked in a dead-letter queue: read it, fix the cause, redrive',
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        1,
      );
    }

    const oldestChunk = props.indexQueue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' });
    alarm('OldestIndexChunkAlarm', 'An index chunk has waited more than 15 minutes for a worker', oldestChunk, 15 * 60);

    const completed = custom(METRIC.jobsFinished, { outcome: 'completed' });
    const failed = custom(METRIC.jobsFinished, { outcome: 'failed' });
    const jobFailureRate = new MathExpression({
      expression: 'IF(completed + failed >= 5, 100 * failed / (completed + failed), 0)',
      usingMetrics: { completed, failed },
      label: 'job failure %',
      period: FIVE_MINUTES,
    });
    alarm('JobFailureRateAlarm', 'More than 20 % of at least 5 jobs failed in 15 minutes', jobFailureRate, 20, 3);

    const stripeFailures = custom(METRIC.errorResponses, { route: 'stripeWebhook' });
    alarm('StripeWebhookFailuresAlarm', 'Stripe webhook deliveries were refused or failed (Stripe retries them; payments wait)', stripeFailures, 1);
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${Stack.of(this).stackName}-operations` });
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'API requests and 5xx', left: [requests], right: [serverErrors] }),
      new GraphWidget({ title: 'API 5xx %', left: [serverErrorRate] }),
      new GraphWidget({
        title: 'Search latency (ms)',
        left: [custom(METRIC.searchLatency, {}, 'p50'), custom(METRIC.searchLatency, {}, 'p99')],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Index queue: depth and oldest chunk (s)',
        left: [props.indexQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' })],
        right: [oldestChunk],
      }),
      new GraphWidget({ title: 'Jobs finished', left: [completed, failed] }),
      new GraphWidget({
        title: 'Indexing seconds per video minute',
        left: [custom(METRIC.indexingSecondsPerVideoMinute, {}, 'p50'), custom(METRIC.indexingSecondsPerVideoMinute, {}, 'p90')],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead-letter queues',
        left: deadLetterQueues.map((queue) => queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' })),
      }),
      new GraphWidget({ title: 'Throttles', left: [lambdaThrottles, tableThrottles] }),
      new GraphWidget({
        title: 'Errors by code',
        left: [
          new MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},service,code} MetricName="${METRIC.errorsByCode}"', 'Sum', 300)`,
            label: '',
            period: FIVE_MINUTES,
          }),
        ],
      }),
    );
  }
}
