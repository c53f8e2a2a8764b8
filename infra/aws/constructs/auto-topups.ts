import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AUTO_TOPUP_SK_PREFIX } from '#lib/db/keys';
import { BundledFunction, type BackgroundFunctionEntry } from '#infra/aws/constructs/bundled-function';

export interface AutoTopUpsProps {
  readonly projectRoot: string;
  readonly autoTopUp: BackgroundFunctionEntry;
  /** The single table; its stream must carry new images. */
  readonly table: ITable;
  readonly stripeSecret: ISecret;
  readonly environment: Readonly<Record<string, string>>;
}

/** How long the stream keeps retrying a request before it is parked (the daily run still finds it pending). */
export const AUTO_TOPUP_MAX_RECORD_AGE = Duration.hours(1);
export const AUTO_TOPUP_RETRY_ATTEMPTS = 10;

/**
 * Auto top-up charging, off every customer's request path (plans.md, Credits): the debit that
 * crosses the threshold writes a request row in its own transaction (a transactional outbox), and
 * the table's stream — filtered to new rows under AUTOTOPUP# — invokes the charger, which talks to
 * Stripe. Failures are retried from the failed record; after that the batch's description goes to a
 * dead-letter queue and the request, still pending, is retried by the daily run.
 */
export class AutoTopUps extends Construct {
  readonly chargerFunction: BundledFunction;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: AutoTopUpsProps) {
    super(scope, id);
    this.chargerFunction = new BundledFunction(this, `${props.autoTopUp.name}Function`, {
      projectRoot: props.projectRoot,
      entry: props.autoTopUp.entry,
      memoryMb: props.autoTopUp.memoryMb,
      timeoutSecs: props.autoTopUp.timeoutSecs,
      environment: { ...props.environment, FRAMESEEK_STRIPE_SECRET_ARN: props.stripeSecret.secretArn },
    });
    props.table.grantReadWriteData(this.chargerFunction);
    props.stripeSecret.grantRead(this.chargerFunction);

    this.deadLetterQueue = new Queue(this, 'AutoTopUpDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.chargerFunction.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 10,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: AUTO_TOPUP_RETRY_ATTEMPTS,
        maxRecordAge: AUTO_TOPUP_MAX_RECORD_AGE,
        onFailure: new SqsDlq(this.deadLetterQueue),
        // Only new request rows: every other write to the table never invokes the charger.
        filters: [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { Keys: { SK: { S: FilterRule.beginsWith(AUTO_TOPUP_SK_PREFIX) } } } }),
        ],
      }),
    );
  }
}
