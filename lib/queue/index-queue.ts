import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { config } from '#lib/config';

/**
 * The queue of index work: one message per time chunk of a video. In AWS an SQS queue (with a
 * DLQ); locally an in-process queue that the local runtime drains with the same worker handler.
 */
export interface IndexChunkMessage {
  account_id: string;
  video_id: string;
  job_id: string;
  chunk_index: number;
  chunks_total: number;
  start_secs: number;
  end_secs: number;
}

export interface IndexQueue {
  send(messages: readonly IndexChunkMessage[]): Promise<void>;
}

const SQS_BATCH = 10;

class SqsIndexQueue implements IndexQueue {
  private readonly client = new SQSClient({ region: config.AWS_REGION });
  constructor(private readonly queueUrl: string) {}

  async send(messages: readonly IndexChunkMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH) {
      const batch = messages.slice(start, start + SQS_BATCH);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((message) => ({ Id: String(message.chunk_index), MessageBody: JSON.stringify(message) })),
        }),
      );
      if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} index messages`);
    }
  }
}

/** In-process stand-in: keeps messages and hands them to whoever the local runtime registered. */
export class InProcessIndexQueue implements IndexQueue {
  private readonly waiting: IndexChunkMessage[] = [];
  private consumer: ((message: IndexChunkMessage) => Promise<void>) | undefined;

  async send(messages: readonly IndexChunkMessage[]): Promise<void> {
    if (this.consumer) for (const message of messages) void this.consumer(message);
    else this.waiting.push(...messages);
  }

  /** Messages sent while no consumer was registered (the indexer arrives with its own issue). */
  pending(): readonly IndexChunkMessage[] {
    return this.waiting;
  }

  consume(consumer: (message: IndexChunkMessage) => Promise<void>): void {
    this.consumer = consumer;
    for (const message of this.waiting.splice(0)) void consumer(message);
  }
}

export const localIndexQueue = new InProcessIndexQueue();

export const indexQueue: IndexQueue = config.FRAMESEEK_INDEX_QUEUE_URL ? new SqsIndexQueue(config.FRAMESEEK_INDEX_QUEUE_URL) : localIndexQueue;
