import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { config } from '#lib/config';
import { logError } from '#lib/log';

/**
 * Work an API request starts but must not wait for (fetching a source URL). In AWS an
 * asynchronous Lambda invocation (with Lambda's own retries); locally the runtime registers an
 * in-process runner that calls the very same handler.
 */
export interface FetchSourceTask {
  kind: 'fetchSource';
  account_id: string;
  upload_id: string;
}

let localRunner: ((task: FetchSourceTask) => Promise<void>) | undefined;
const lambda = config.FRAMESEEK_FETCH_FUNCTION_NAME
  ? new LambdaClient({
      region: config.AWS_REGION,
      // An asynchronous invoke only queues the event: it answers at once or not at all.
      requestHandler: { connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true },
    })
  : undefined;

export function registerLocalBackgroundRunner(runner: (task: FetchSourceTask) => Promise<void>): void {
  localRunner = runner;
}

export async function runInBackground(task: FetchSourceTask): Promise<void> {
  if (lambda && config.FRAMESEEK_FETCH_FUNCTION_NAME) {
    await lambda.send(
      new InvokeCommand({ FunctionName: config.FRAMESEEK_FETCH_FUNCTION_NAME, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(task)) }),
    );
    return;
  }
  const runner = localRunner;
  if (!runner) throw new Error('No background runner: set FRAMESEEK_FETCH_FUNCTION_NAME or run inside the local runtime');
  setImmediate(() => {
    runner(task).catch((error: unknown) => logError('background task failed', { task, error }));
  });
}
