import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IndexQueueMessage } from '#lib/indexing/queue';

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
  /** A message whose last delivery threw (SQS: its redrive to the dead-letter queue). */
  deadLetter?: (message: IndexQueueMessage) => Promise<void>;
}

/**
 * The local stand-in for SQS: at-least-once delivery from a directory of message files, a fixed
 * number of deliveries at a time, a message redelivered after a throw until its last attempt.
 */
export class InProcessIndexQueue {
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
    if (!handled && stored.attempts >= options.maxAttempts && options.deadLetter) {
      await options
        .deadLetter(stored.body)
        .catch((error: unknown) =>
          console.error(JSON.stringify({ level: 'error', message: 'dead-letter handler failed', body: stored.body, error: String(error) })),
        );
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
