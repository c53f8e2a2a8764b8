import { Duration } from 'aws-cdk-lib';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '#lib/config';
import { INDEX_MAINTENANCE_MESSAGE, INDEX_MAX_ATTEMPTS } from '#lib/indexing/queue';
import { BundledFunction, type BackgroundFunctionEntry } from '#infra/aws/constructs/bundled-function';
import { ContainerFunction } from '#infra/aws/constructs/container-function';
import type { SearchIndex } from '#infra/aws/constructs/search-index';

export interface ProcessingProps {
  readonly projectRoot: string;
  readonly ingest: BackgroundFunctionEntry;
  readonly fetchSource: BackgroundFunctionEntry;
  readonly indexChunk: BackgroundFunctionEntry;
  readonly deadLetter: BackgroundFunctionEntry;
  readonly table: ITable;
  readonly bucket: IBucket;
  readonly searchIndex: SearchIndex;
  /** Model files baked into the container images (see ContainerFunction). */
  readonly modelDir?: string;
  /** What every Frameseek function is told; the index queue's URL is added here. */
  readonly environment: Readonly<Record<string, string>>;
  /** The worker's speech and text engines: the binaries in its image (default), or AWS services (granted here). */
  readonly transcriber?: Config['FRAMESEEK_TRANSCRIBER'];
  readonly textReader?: Config['FRAMESEEK_TEXT_READER'];
}

/**
 * AWS's rule for queues that trigger Lambda: a visibility timeout of six times the function's timeout,
 * so that a batch the poller must retry after throttling is not handed out again meanwhile.
 */
const VISIBILITY_PER_WORKER_TIMEOUT = 6;
/** Lambda's retries of an asynchronous invocation (its maximum): three tries in all, as the local runtime makes. */
const ASYNC_RETRY_ATTEMPTS = 2;
/** SQS's longest visibility timeout. */
const MAX_VISIBILITY_SECS = 12 * 60 * 60;

/**
 * Moving a video into the index: the source-URL fetcher, the ingest function (a container image, for
 * ffprobe), the queue of index chunks and the index worker that drains it (a container image with
 * ffmpeg, the speech and text engines, LanceDB and the embedder).
 */
export class Processing extends Construct {
  readonly indexQueue: Queue;
  readonly deadLetterQueue: Queue;
  /** Ingest's and the fetcher's asynchronous invocations whose last try failed (Lambda's on-failure destination). */
  readonly ingestDeadLetterQueue: Queue;
  readonly fetchSourceDeadLetterQueue: Queue;
  /** Fails the job each dead letter names, so nothing stays `processing` unexplained. */
  readonly deadLetterFunction: BundledFunction;
  readonly ingestFunction: ContainerFunction;
  readonly fetchSourceFunction: BundledFunction;
  readonly indexWorker: ContainerFunction;
  readonly indexMaintenanceRule: Rule;

  constructor(scope: Construct, id: string, props: ProcessingProps) {
    super(scope, id);
    const deadLetterQueue = (id: string) =>
      new Queue(this, id, {
        // Long enough to notice, investigate and redrive after a bad deploy.
        retentionPeriod: Duration.days(14),
        // Drained by the dead-letter function: never visible again while one of its runs still holds the message.
        visibilityTimeout: Duration.seconds(props.deadLetter.timeoutSecs * VISIBILITY_PER_WORKER_TIMEOUT),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
    this.deadLetterQueue = deadLetterQueue('IndexDeadLetterQueue');
    this.ingestDeadLetterQueue = deadLetterQueue('IngestDeadLetterQueue');
    this.fetchSourceDeadLetterQueue = deadLetterQueue('FetchSourceDeadLetterQueue');
    this.indexQueue = new Queue(this, 'IndexQueue', {
      // Never shorter than a worker run, or a second worker would get the chunk while the first still runs.
      visibilityTimeout: Duration.seconds(Math.min(MAX_VISIBILITY_SECS, props.indexChunk.timeoutSecs * VISIBILITY_PER_WORKER_TIMEOUT)),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The worker counts deliveries against the same limit and fails the job itself on the last one,
      // so a message only reaches the DLQ when that last run could not even record the failure.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INDEX_MAX_ATTEMPTS },
    });
    const environment = { ...props.environment, FRAMESEEK_INDEX_QUEUE_URL: this.indexQueue.queueUrl };

    this.ingestFunction = new ContainerFunction(this, `${props.ingest.name}Function`, {
      projectRoot: props.projectRoot,
      entry: props.ingest,
      environment,
      ...(props.modelDir ? { modelDir: props.modelDir } : {}),
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
      environment,
    });
    props.bucket.grantReadWrite(this.fetchSourceFunction);
    props.table.grantReadWriteData(this.fetchSourceFunction);
    // Both run on S3's and the API's asynchronous invocations: Lambda's two retries, then the dead-letter queue.
    this.ingestFunction.configureAsyncInvoke({ retryAttempts: ASYNC_RETRY_ATTEMPTS, onFailure: new SqsDestination(this.ingestDeadLetterQueue) });
    this.fetchSourceFunction.configureAsyncInvoke({ retryAttempts: ASYNC_RETRY_ATTEMPTS, onFailure: new SqsDestination(this.fetchSourceDeadLetterQueue) });

    this.indexWorker = new ContainerFunction(this, `${props.indexChunk.name}Function`, {
      projectRoot: props.projectRoot,
      entry: props.indexChunk,
      environment: {
        ...environment,
        FRAMESEEK_TRANSCRIBER: props.transcriber ?? 'pocketsphinx',
        FRAMESEEK_TEXT_READER: props.textReader ?? 'tesseract',
      },
      ...(props.modelDir ? { modelDir: props.modelDir } : {}),
    });
    // One chunk per invocation: a chunk fills most of a run, and a failure retries only its own message.
    this.indexWorker.addEventSource(new SqsEventSource(this.indexQueue, { batchSize: 1 }));
    // Reads the video's time range and writes its thumbnails (bucket); records the job's progress (table).
    props.bucket.grantReadWrite(this.indexWorker);
    props.table.grantReadWriteData(this.indexWorker);
    props.searchIndex.grantReadWrite(this.indexWorker);
    // Transcribe reads the staged WAV and writes its JSON with the caller's rights: the bucket grant above covers both.
    if (props.transcriber === 'aws-transcribe') {
      Grant.addToPrincipal({ grantee: this.indexWorker, actions: ['transcribe:StartTranscriptionJob', 'transcribe:GetTranscriptionJob'], resourceArns: ['*'] });
    }
    // DetectText takes the image inline and has no resource to scope it to.
    if (props.textReader === 'aws-rekognition') {
      Grant.addToPrincipal({ grantee: this.indexWorker, actions: ['rekognition:DetectText'], resourceArns: ['*'] });
    }

    // Every dead letter fails the job it names (the job shows INDEXING_FAILED) and gives back its credit hold
    // and storage: the table, and the bucket for the objects it deletes. The index worker still fails the
    // job itself on its last delivery; its dead letters are the runs that could not even record that.
    this.deadLetterFunction = new BundledFunction(this, `${props.deadLetter.name}Function`, {
      projectRoot: props.projectRoot,
      entry: props.deadLetter.entry,
      memoryMb: props.deadLetter.memoryMb,
      timeoutSecs: props.deadLetter.timeoutSecs,
      environment,
    });
    for (const queue of [this.ingestDeadLetterQueue, this.fetchSourceDeadLetterQueue, this.deadLetterQueue]) {
      this.deadLetterFunction.addEventSource(new SqsEventSource(queue, { batchSize: 1 }));
    }
    props.bucket.grantReadWrite(this.deadLetterFunction);
    props.table.grantReadWriteData(this.deadLetterFunction);

    // Hourly upkeep of the index (compaction, indexes over new rows, old versions removed), done by the
    // worker, which carries the index engine: the rule only puts a message on its queue.
    this.indexMaintenanceRule = new Rule(this, 'IndexMaintenanceRule', {
      schedule: Schedule.rate(Duration.hours(1)),
      targets: [new SqsQueue(this.indexQueue, { message: RuleTargetInput.fromObject(INDEX_MAINTENANCE_MESSAGE) })],
    });
  }
}
