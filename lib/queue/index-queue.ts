import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { config } from '#lib/config';

/**
 * The queue of index work: one message per time chunk of a video. In AWS an SQS queue (with a
 * DLQ); locally an in-process queue that the local runtime drains with the same worker handler.
 */
export interface IndexChunkMessage {
  kind?: 'chunk';
  account_id: string;
  video_id: string;
  job_id: string;
  chunk_index: number;
  chunks_total: number;
  start_secs: number;
  end_secs: number;
}

/** The part of a chunk message that says which range of how many. */
export type ChunkRange = Pick<IndexChunkMessage, 'chunk_index' | 'chunks_total' | 'start_secs' | 'end_secs'>;

/** How a video is cut: one chunk per `chunkSecs`, the last one shorter. */
export function chunkRanges(durationSecs: number, chunkSecs: number): ChunkRange[] {
  const total = Math.max(1, Math.ceil(durationSecs / chunkSecs));
  return Array.from({ length: total }, (_, index) => ({
    chunk_index: index,
    chunks_total: total,
    start_secs: index * chunkSecs,
    end_secs: Math.min(durationSecs, (index + 1) * chunkSecs),
  }));
}

/**
 * Index rows to remove: one video's, or (without video_id) a whole account's. Sent by deletes,
 * which run in small API functions; the worker, which carries the index engine, does the removal.
 */
export interface IndexPurgeMessage {
  kind: 'purge';
  account_id: string;
  video_id?: string;
}

/**
 * Index upkeep (compaction, index refresh, old versions removed), sent every hour by a schedule:
 * the worker carries the index engine. Idempotent, so a twin delivery only costs time.
 */
export interface IndexMaintenanceMessage {
  kind: 'maintain';
}

export const INDEX_MAINTENANCE_MESSAGE: IndexMaintenanceMessage = { kind: 'maintain' };

export type IndexQueueMessage = IndexChunkMessage | IndexPurgeMessage | IndexMaintenanceMessage;

export function isChunkMessage(message: IndexQueueMessage): message is IndexChunkMessage {
  return message.kind === undefined || message.kind === 'chunk';
}

/** Deliveries of one chunk message before its job fails (SQS: the redrive policy's maxReceiveCount). */
export const INDEX_MAX_ATTEMPTS = 3;

export interface IndexQueue {
  send(messages: readonly IndexQueueMessage[]): Promise<void>;
}

const SQS_BATCH = 10;

class SqsIndexQueue implements IndexQueue {
  private readonly client = new SQSClient({
    region: config.AWS_REGION,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true },
  });
  constructor(private readonly queueUrl: string) {}

  async send(messages: readonly IndexQueueMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH) {
      const batch = messages.slice(start, start + SQS_BATCH);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) })),
        }),
      );
      if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} index messages`);
    }
  }
}

export interface QueueDelivery {
  /** 1 for the first delivery (SQS: ApproximateReceiveCount). */
  attempt: number;
  /** No delivery follows this one (SQS: the DLQ would be next). */
  isLast: boolean;
}

export type IndexQueueHandler = (message: IndexQueueMessage, delivery: QueueDelivery) => Promise<void>;

interface StoredMessage {
  id: string;
  body: IndexQueueMessage;
  attempts: number;
}

export interface LocalQueueOptions {
  /** Messages are kept here as files until handled, so a restart delivers what was not (SQS keeps them too). */
  directory: string;
  concurrency: number;
  maxAttempts: number;
  /** Wait before delivery n+1 (SQS: the visibility timeout), growing with each attempt. */
  retryDelayMs: number;
}

/**
 * The local stand-in for SQS: at-least-once delivery from a directory of message files, a fixed
 * number of deliveries at a time, a message redelivered after a throw until its last attempt.
 */
export class InProcessIndexQueue implements IndexQueue {
  private readonly sentLog: IndexQueueMessage[] = [];
  private readonly ready: StoredMessage[] = [];
  private options: LocalQueueOptions | undefined;
  private handler: IndexQueueHandler | undefined;
  private running = 0;
  private readonly idle = new Set<() => void>();

  async send(messages: readonly IndexQueueMessage[]): Promise<void> {
    this.sentLog.push(...messages);
    for (const body of messages) {
      const stored = { id: `${Date.now().toString(36)}-${randomUUID()}`, body, attempts: 0 };
      if (this.options) await writeFile(join(this.options.directory, `${stored.id}.json`), JSON.stringify(stored));
      this.ready.push(stored);
    }
    this.pump();
  }

  /** Every message sent through this queue in this process, handled or not. */
  sent(): readonly IndexQueueMessage[] {
    return this.sentLog;
  }

  /** Starts delivering: first what an earlier run left in the directory, then what arrives. */
  async consume(handler: IndexQueueHandler, options: LocalQueueOptions): Promise<void> {
    await mkdir(options.directory, { recursive: true });
    const leftOver = (await readdir(options.directory)).filter((name) => name.endsWith('.json')).sort();
    for (const name of leftOver) {
      const stored = JSON.parse(await readFile(join(options.directory, name), 'utf8')) as StoredMessage;
      this.ready.push(stored);
    }
    for (const stored of this.ready.filter((message) => !leftOver.includes(`${message.id}.json`))) {
      await writeFile(join(options.directory, `${stored.id}.json`), JSON.stringify(stored));
    }
    this.options = options;
    this.handler = handler;
    this.pump();
  }

  /** Stops taking new deliveries and waits for the running ones (a clean shutdown). */
  async stop(): Promise<void> {
    this.handler = undefined;
    if (this.running > 0) await new Promise<void>((done) => this.idle.add(done));
  }

  private pump(): void {
    const { handler, options } = this;
    if (!handler || !options) return;
    while (this.running < options.concurrency && this.ready.length > 0) {
      const stored = this.ready.shift();
      if (stored) void this.deliver(stored, handler, options);
    }
  }

  private async deliver(stored: StoredMessage, handler: IndexQueueHandler, options: LocalQueueOptions): Promise<void> {
    this.running += 1;
    const file = join(options.directory, `${stored.id}.json`);
    stored.attempts += 1;
    let handled = false;
    try {
      await writeFile(file, JSON.stringify(stored));
      await handler(stored.body, { attempt: stored.attempts, isLast: stored.attempts >= options.maxAttempts });
      handled = true;
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', message: 'index message failed', attempt: stored.attempts, body: stored.body, error: String(error) }));
    }
    if (handled || stored.attempts >= options.maxAttempts) await rm(file, { force: true });
    else
      setTimeout(() => {
        this.ready.push(stored);
        this.pump();
      }, options.retryDelayMs * stored.attempts).unref();
    this.running -= 1;
    if (this.running === 0) {
      for (const done of this.idle) done();
      this.idle.clear();
    }
    this.pump();
  }
}

export const localIndexQueue = new InProcessIndexQueue();

export const indexQueue: IndexQueue = config.FRAMESEEK_INDEX_QUEUE_URL ? new SqsIndexQueue(config.FRAMESEEK_INDEX_QUEUE_URL) : localIndexQueue;

/** How many chunk messages a video of this length becomes. */
export function chunkCount(durationSecs: number): number {
  return chunkRanges(durationSecs, config.FRAMESEEK_CHUNK_SECS).length;
}

/** Queues every chunk of a job's video: one message per FRAMESEEK_CHUNK_SECS of it. */
export async function enqueueChunks(job: { account_id: string; video_id: string; job_id: string }, durationSecs: number): Promise<void> {
  const ranges = chunkRanges(durationSecs, config.FRAMESEEK_CHUNK_SECS);
  await indexQueue.send(ranges.map((range) => ({ account_id: job.account_id, video_id: job.video_id, job_id: job.job_id, ...range })));
}

/** Asks the worker to remove a video's index rows (or an account's, without a video id). */
export async function enqueuePurge(accountId: string, videoId?: string): Promise<void> {
  await indexQueue.send([{ kind: 'purge', account_id: accountId, ...(videoId ? { video_id: videoId } : {}) }]);
}
