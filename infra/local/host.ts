import { randomUUID } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { backgroundFunctions } from '#functions/routes';
import type { Host } from '#lib/hosts/host';
import type { IndexQueueMessage } from '#lib/indexing/queue';
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

/** The webhook sender's SQS batch size in AWS (infra/aws/constructs/webhooks.ts). */
const WEBHOOK_SEND_BATCH = 10;

export function localHost(load: LoadHandler): Host {
  const handlerOf = async <TEvent, TResult>(entry: string) => ((await load(entry)) as { handler: (event: TEvent) => Promise<TResult> }).handler;
  return {
    async invoke(functionName, input) {
      const { entry } = backgroundFunctions[functionName];
      setImmediate(() => {
        void (async () => (await handlerOf<object, void>(entry))(input))().catch((error: unknown) =>
          logError('background task failed', { function: functionName, input, error }),
        );
      });
    },
    async enqueue(queue, messages) {
      if (queue === 'index') return localIndexQueue.send(messages as readonly IndexQueueMessage[]);
      // As SQS would, a little later and not in the request: one attempt per message, in batches of the
      // sender's SQS batch size (a fan-out to 100 endpoints does not open 100 sends at once). A message whose
      // handler throws is not redelivered here; the delivery stays due and the every-minute sweep sends it.
      setImmediate(() => {
        void (async () => {
          const handle = await handlerOf<SQSEvent, SQSBatchResponse>(backgroundFunctions.webhookSend.entry);
          for (let start = 0; start < messages.length; start += WEBHOOK_SEND_BATCH) {
            await Promise.all(messages.slice(start, start + WEBHOOK_SEND_BATCH).map((message) => handle(sqsEventOf(message, 1))));
          }
        })().catch((error: unknown) => logError('webhook send failed; the sweep retries it', { error }));
      });
    },
    rowWritten(stream, row) {
      if (stream === 'accountEvents') {
        // As the table's stream does in AWS: the new outbox event goes to the fan-out.
        setImmediate(() => {
          void (async () => {
            const handle = await handlerOf<DynamoDBStreamEvent, DynamoDBBatchResponse>(backgroundFunctions.webhookFanOut.entry);
            await handle(streamEventOf(row));
          })().catch((error: unknown) => logError('webhook fan-out failed; the sweep retries it', { ...row, error }));
        });
        return;
      }
      // As the table's stream does in AWS: the new auto top-up request goes to its charger.
      setImmediate(() => {
        void (async () => {
          const handle = await handlerOf<DynamoDBStreamEvent, DynamoDBBatchResponse>(backgroundFunctions.autoTopUp.entry);
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
