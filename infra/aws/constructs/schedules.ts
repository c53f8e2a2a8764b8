import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BundledFunction, type BackgroundFunctionEntry } from '#infra/aws/constructs/bundled-function';

export interface SchedulesProps {
  readonly projectRoot: string;
  readonly dailyMaintenance: BackgroundFunctionEntry;
  readonly deleteSweep: BackgroundFunctionEntry;
  readonly table: ITable;
  readonly bucket: IBucket;
  /** The daily run charges auto top-ups nobody picked up and deletes the Stripe customers of finished account deletions. */
  readonly stripeSecret: ISecret;
  readonly environment: Readonly<Record<string, string>>;
}

/** Work that runs by the clock rather than by a request or an event. */
export class Schedules extends Construct {
  readonly dailyMaintenanceFunction: BundledFunction;
  /** The background half of collection and account deletes: the same sweeps the daily run resumes, so the same grants. */
  readonly deleteSweepFunction: BundledFunction;
  readonly dailyRule: Rule;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    // Both sweep: expiring stale uploads aborts their multipart uploads and deletes their objects, finishing
    // a collection or account delete removes media (read/write includes delete) and deletes Stripe customers.
    const sweeper = (entry: BackgroundFunctionEntry): BundledFunction => {
      const fn = new BundledFunction(this, `${entry.name}Function`, {
        projectRoot: props.projectRoot,
        entry: entry.entry,
        memoryMb: entry.memoryMb,
        timeoutSecs: entry.timeoutSecs,
        environment: { ...props.environment, FRAMESEEK_STRIPE_SECRET_ARN: props.stripeSecret.secretArn },
      });
      props.table.grantReadWriteData(fn);
      props.stripeSecret.grantRead(fn);
      props.bucket.grantReadWrite(fn);
      return fn;
    };
    this.dailyMaintenanceFunction = sweeper(props.dailyMaintenance);
    this.deleteSweepFunction = sweeper(props.deleteSweep);

    // Quotas and daily figures are defined in UTC days (plans.md, Scheduled work).
    this.dailyRule = new Rule(this, 'DailyRule', {
      schedule: Schedule.cron({ minute: '0', hour: '0' }),
      targets: [new LambdaFunction(this.dailyMaintenanceFunction)],
    });
  }
}
