import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, StartingPosition, type Function as LambdaFunctionResource } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACCOUNT_EVENT_SK_PREFIX } from '#lib/db/keys';
import { BundledFunction, type BackgroundFunctionEntry } from '#infra/aws/constructs/bundled-function';

export interface WebhooksProps {
  readonly projectRoot: string;
  readonly fanOut: BackgroundFunctionEntry;
  readonly send: BackgroundFunctionEntry;
  readonly sweep: BackgroundFunctionEntry;
  /** The single table; its stream must carry new images. */
  readonly table: ITable;
  readonly environment: Readonly<Record<string, string>>;
  readonly retainOnDelete: boolean;
}

/** A queue message is tried this often (a failure to record the attempt, not a receiver's answer) before the DLQ. */
export const WEBHOOK_SEND_MAX_RECEIVES = 5;
export const WEBHOOK_FAN_OUT_RETRY_ATTEMPTS = 10;

/**
 * Outgoing webhooks (api.md, Webhooks): the table's stream, filtered to new outbox rows (EVT#),
 * feeds the fan-out, which writes each event's deliveries and queues their first attempts; the
 * sender takes one attempt per message; an every-minute rule runs the sweep, which queues the
 * retries that came due (they wait on the table, under WEBHOOKS_DUE) and fans out events whose
 * stream record was lost. Signing secrets are sealed with a data key kept in Secrets Manager and
 * encrypted with this construct's KMS key; only the functions that seal or open them may read it.
 * Both dead-letter queues raise an alarm at their first message.
 */
export class Webhooks extends Construct {
  readonly key: Key;
  readonly dataKeySecret: Secret;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly fanOutDeadLetterQueue: Queue;
  readonly fanOutFunction: BundledFunction;
  readonly sendFunction: BundledFunction;
  readonly sweepFunction: BundledFunction;
  readonly sweepRule: Rule;
  /** What a function that seals, opens or queues webhooks needs in its environment. */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const removalPolicy = props.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.key = new Key(this, 'SecretsKey', {
      description: 'Frameseek: encrypts the data key that seals webhook signing secrets',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.dataKeySecret = new Secret(this, 'DataKey', {
      description: 'Frameseek webhook data key (AES-256-GCM key = SHA-256 of this text); never shown to anyone',
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });

    this.deadLetterQueue = new Queue(this, 'SendDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'SendQueue', {
      // Longer than a batch of attempts can take, so a message being worked on is not handed out twice.
      visibilityTimeout: Duration.seconds(props.send.timeoutSecs * 6),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: WEBHOOK_SEND_MAX_RECEIVES },
    });
    this.environment = { FRAMESEEK_WEBHOOK_QUEUE_URL: this.queue.queueUrl, FRAMESEEK_WEBHOOK_KEY_SECRET_ARN: this.dataKeySecret.secretArn };

    const make = (entry: BackgroundFunctionEntry) =>
      new BundledFunction(this, `${entry.name}Function`, {
        projectRoot: props.projectRoot,
        entry: entry.entry,
        memoryMb: entry.memoryMb,
        timeoutSecs: entry.timeoutSecs,
        environment: { ...props.environment, ...this.environment },
      });
    this.fanOutFunction = make(props.fanOut);
    this.sendFunction = make(props.send);
    this.sweepFunction = make(props.sweep);
    for (const fn of [this.fanOutFunction, this.sendFunction, this.sweepFunction]) {
      props.table.grantReadWriteData(fn);
      this.grantSecrets(fn);
    }
    this.queue.grantSendMessages(this.fanOutFunction);
    this.queue.grantSendMessages(this.sweepFunction);

    this.sendFunction.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));

    this.fanOutDeadLetterQueue = new Queue(this, 'FanOutDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.fanOutFunction.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 25,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: WEBHOOK_FAN_OUT_RETRY_ATTEMPTS,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.fanOutDeadLetterQueue),
        // Only new outbox rows; an event the stream gives up on is still pending, and the sweep fans it out.
        filters: [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { Keys: { SK: { S: FilterRule.beginsWith(ACCOUNT_EVENT_SK_PREFIX) } } } }),
        ],
      }),
    );

    // plans.md, Scheduled work: every minute, retry due webhook deliveries.
    this.sweepRule = new Rule(this, 'SweepRule', { schedule: Schedule.rate(Duration.minutes(1)), targets: [new LambdaFunction(this.sweepFunction)] });
    // Its dead-letter queues are alarmed on with every other one (infra/aws/constructs/monitoring.ts).
  }

  /** Lets a function seal and open signing secrets (read the data key; the secret's KMS key decrypts it). */
  grantSecrets(grantee: IGrantable): void {
    this.dataKeySecret.grantRead(grantee);
  }

  /** Lets a route queue delivery attempts (test pings, manual retries). */
  grantSend(fn: LambdaFunctionResource): void {
    this.queue.grantSendMessages(fn);
  }
}
