import type { SQSEvent } from 'aws-lambda';
import { handleDeadLetter } from '#lib/schedules/dead-letters';

/**
 * The dead-letter queues of ingest, the URL fetch and the index worker → the job each message names fails
 * visibly. Safe to repeat: a job already finished or failed is left as it is. The local runtime calls it
 * when its own retries give up.
 */
export async function handler(event: SQSEvent): Promise<void> {
  for (const record of event.Records) await handleDeadLetter(JSON.parse(record.body) as unknown);
}
