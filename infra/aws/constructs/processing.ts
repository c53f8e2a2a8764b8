import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BundledFunction, type BackgroundFunctionEntry } from '#infra/aws/constructs/bundled-function';
import { WorkerFunction } from '#infra/aws/constructs/worker-function';

export interface ProcessingProps {
  readonly projectRoot: string;
  readonly ingest: BackgroundFunctionEntry;
  readonly fetchSource: BackgroundFunctionEntry;
  readonly table: ITable;
  readonly bucket: IBucket;
  /** What every Frameseek function is told; the index queue's URL is added here. */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * Moving a video towards the index: the source-URL fetcher, the ingest function (a container
 * image, for ffprobe) and the queue of index chunks.
 */
export class Processing extends Construct {
  readonly indexQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly ingestFunction: WorkerFunction;
  readonly fetchSourceFunction: BundledFunction;

  constructor(scope: Construct, id: string, props: ProcessingProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'IndexDeadLetterQueue', {
      // Long enough to notice, investigate and redrive after a bad deploy.
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.indexQueue = new Queue(this, 'IndexQueue', {
      // The index worker may run up to Lambda's 15-minute limit; a shorter timeout would hand the
      // same chunk to a second worker while the first still runs.
      visibilityTimeout: Duration.minutes(15),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A chunk that fails five times is poison, not bad luck: park it instead of retrying forever.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.ingestFunction = new WorkerFunction(this, `${props.ingest.name}Function`, {
      projectRoot: props.projectRoot,
      entry: props.ingest,
      environment: { ...props.environment, FRAMESEEK_INDEX_QUEUE_URL: this.indexQueue.queueUrl },
    });
    // Ingest reads the stored bytes and deletes files it refuses or that no video claims
    // (read/write includes delete).
    props.bucket.grantReadWrite(this.ingestFunction);
    props.table.grantReadWriteData(this.ingestFunction);
    this.indexQueue.grantSendMessages(this.ingestFunction);

    // Streams a customer's URL into a staging object and copies it into place; no engines needed.
    this.fetchSourceFunction = new BundledFunction(this, `${props.fetchSource.name}Function`, {
      projectRoot: props.projectRoot,
      entry: props.fetchSource.entry,
      memoryMb: props.fetchSource.memoryMb,
      timeoutSecs: props.fetchSource.timeoutSecs,
      environment: { ...props.environment, FRAMESEEK_INDEX_QUEUE_URL: this.indexQueue.queueUrl },
    });
    props.bucket.grantReadWrite(this.fetchSourceFunction);
    props.table.grantReadWriteData(this.fetchSourceFunction);
  }
}
