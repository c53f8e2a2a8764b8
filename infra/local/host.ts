import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { backgroundFunctions } from '#functions/routes';
import type { Host } from '#lib/hosts/host';
import type { IndexQueueMessage } from '#lib/indexing/queue';
import pLimit from 'p-limit';
import { logError } from '#lib/log';
import { LOCAL_REGION } from '#infra/local/credentials';
import { InProcessIndexQueue } from '#infra/local/index-queue';

/**
 * The local side of lib/hosts: the same background handlers AWS runs, called in this process with
 * the events AWS would send them. Work started here is not awaited by the request that started it.
 */
export type LoadHandler = (entry: string) => Promise<unknown>;

/** The index queue of this process (tests read what was sent through it). */
export const localIndexQueue = new InProcessIndexQueue();

const handlerOf = async <TEvent, TResult>(load: LoadHandler, entry: string) =>
  ((await load(entry)) as { handler: (event: TEvent) => Promise<TResult> }).handler;

/** Lambda's asynchronous invocations: three tries in all, then the on-failure destination. */
export const ASYNC_ATTEMPTS = 3;

export async function withAsyncRetries(name: string, run: () => Promise<void>, giveUp: () => Promise<void>, retryDelayMs: number): Promise<void> {
  for (let attempt = 1; attempt <= ASYNC_ATTEMPTS; attempt += 1) {
    try {
      await run();
      return;
    } catch (error) {
      logError('background task failed', { function: name, attempt, error });
      if (attempt < ASYNC_ATTEMPTS) await sleep(retryDelayMs * attempt);
    }
  }
  await giveUp().catch((error: unknown) => logError('dead-letter handler failed', { function: name, error }));
}

/** What a dead-letter queue hands its handler: the failed event or message as the body of one SQS record. */
export async function deadLetter(load: LoadHandler, failed: unknown): Promise<void> {
  await (
    await handlerOf<SQSEvent, void>(load, backgroundFunctions.deadLetter.entry)
  )(sqsEventOf(failed, 1));
}

/** The webhook sender's SQS batch size in AWS (infra/aws/constructs/webhooks.ts), and how many batches Lambda runs at once here. */
const WEBHOOK_SEND_BATCH = 10;
const WEBHOOK_SEND_BATCHES_AT_ONCE = 5;

export function localHost(load: LoadHandler, retryDelayMs: number): Host {
  return {
    async invoke(functionName, input) {
      const { entry } = backgroundFunctions[functionName];
      // As in the stack: the fetcher's last failure goes to its dead-letter queue; the delete sweep has none (the daily run resumes it).
      const giveUp = functionName === 'fetchSource' ? () => deadLetter(load, input) : async () => undefined;
      setImmediate(() => {
        void withAsyncRetries(functionName, async () => (await handlerOf<object, void>(load, entry))(input), giveUp, retryDelayMs);
      });
    },
    async enqueue(queue, messages) {
      if (queue === 'index') return localIndexQueue.send(messages as readonly IndexQueueMessage[]);
      // As SQS would, a little later and not in the request: one attempt per message, in batches of the
      // sender's SQS batch size (a fan-out to 100 endpoints does not open 100 sends at once). A message whose
      // handler throws is not redelivered here; the delivery stays due and the every-minute sweep sends it.
      setImmediate(() => {
        void (async () => {
          const handle = await handlerOf<SQSEvent, SQSBatchResponse>(load, backgroundFunctions.webhookSend.entry);
          const batches = Array.from({ length: Math.ceil(messages.length / WEBHOOK_SEND_BATCH) }, (_, batch) =>
            messages.slice(batch * WEBHOOK_SEND_BATCH, (batch + 1) * WEBHOOK_SEND_BATCH),
          );
          const limit = pLimit(WEBHOOK_SEND_BATCHES_AT_ONCE);
          await Promise.all(batches.map((batch) => limit(() => Promise.all(batch.map((message) => handle(sqsEventOf(message, 1)))))));
        })().catch((error: unknown) => logError('webhook send failed; the sweep retries it', { error }));
      });
    },
    rowWritten(stream, row) {
      if (stream === 'accountEvents') {
        // As the table's stream does in AWS: the new outbox event goes to the fan-out.
        setImmediate(() => {
          void (async () => {
            const handle = await handlerOf<DynamoDBStreamEvent, DynamoDBBatchResponse>(load, backgroundFunctions.webhookFanOut.entry);
            await handle(streamEventOf(row));
          })().catch((error: unknown) => logError('webhook fan-out failed; the sweep retries it', { ...row, error }));
        });
        return;
      }
      // As the table's stream does in AWS: the new auto top-up request goes to its charger.
      setImmediate(() => {
        void (async () => {
          const handle = await handlerOf<DynamoDBStreamEvent, DynamoDBBatchResponse>(load, backgroundFunctions.autoTopUp.entry);
          const { batchItemFailures } = await handle(streamEventOf(row));
          if (batchItemFailures.length > 0) throw new Error('auto top-up failed; the daily run retries it');
        })().catch((error: unknown) => logError('auto top-up failed; the daily run retries it', { ...row, error }));
      });
    },
  };
}

/** One synthetic SQS record per delivery, as the index worker receives them from SQS. */
export function sqsEventOf(message: unknown, attempt: number): SQSEvent {
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: '',
        body: JSON.stringify(message),
        attributes: {
          ApproximateReceiveCount: String(attempt),
          SentTimestamp: String(Date.now()),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:frameseek-index',
        awsRegion: LOCAL_REGION,
      },
    ],
  };
}

/** The stream record AWS delivers for a new row (only what the handler reads). */
function streamEventOf(row: Readonly<Record<string, string>>): DynamoDBStreamEvent {
  return {
    Records: [
      {
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        awsRegion: LOCAL_REGION,
        dynamodb: {
          NewImage: Object.fromEntries(Object.entries(row).map(([name, value]) => [name, { S: value }])),
          SequenceNumber: randomUUID(),
          StreamViewType: 'NEW_IMAGE',
        },
      },
    ],
  };
}
