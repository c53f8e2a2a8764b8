import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { config } from '#lib/config';
import type { BackgroundFunctionName, Host, QueueName } from '#lib/hosts/types';

/**
 * The host in AWS: an asynchronous Lambda invoke (with Lambda's own retries), SQS (with its DLQ), and
 * DynamoDB Streams, which need nothing from the writer. Each address comes from the function's
 * environment, set by the CDK stack for the functions granted to use it; a missing one fails loudly
 * rather than dropping the work.
 */
const SQS_BATCH = 10;

let instance: Host | undefined;

export function awsHost(): Host {
  instance ??= createAwsHost();
  return instance;
}

function createAwsHost(): Host {
  // An asynchronous invoke and a queue send answer at once or not at all: cut off and retried, never held.
  const requestHandler = { connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true };
  const lambda = new LambdaClient({ region: config.AWS_REGION, requestHandler });
  const sqs = new SQSClient({ region: config.AWS_REGION, requestHandler });

  const functionNames: Record<BackgroundFunctionName, string | undefined> = {
    fetchSource: config.FRAMESEEK_FETCH_FUNCTION_NAME,
    deleteSweep: config.FRAMESEEK_DELETE_SWEEP_FUNCTION_NAME,
  };
  const queueUrls: Record<QueueName, string | undefined> = { index: config.FRAMESEEK_INDEX_QUEUE_URL, webhooks: config.FRAMESEEK_WEBHOOK_QUEUE_URL };

  return {
    async invoke(functionName, input) {
      const name = functionNames[functionName];
      if (!name) throw new Error(`No function to run ${functionName}: its name is not configured (or run inside the local runtime)`);
      await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(input)) }));
    },
    async enqueue(queue, messages) {
      const queueUrl = queueUrls[queue];
      if (!queueUrl) throw new Error(`No ${queue} queue: its URL is not configured (or run inside the local runtime)`);
      for (let start = 0; start < messages.length; start += SQS_BATCH) {
        const batch = messages.slice(start, start + SQS_BATCH);
        const result = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) })),
          }),
        );
        if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} ${queue} messages`);
      }
    },
    rowWritten() {
      // The table's stream hands the row to its function.
    },
  };
}
