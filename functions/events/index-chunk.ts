import type { SQSEvent } from 'aws-lambda';
import { handleIndexMessage } from '#lib/indexing/worker';
import { INDEX_MAX_ATTEMPTS, type IndexQueueMessage } from '#lib/indexing/queue';

/**
 * SQS → one index chunk (or purge) per message (batch size 1). A throw leaves the message for SQS to deliver
 * again; on its last delivery the worker fails the job instead of throwing, so nothing reaches the DLQ
 * unexplained.
 */
export async function handler(event: SQSEvent): Promise<void> {
  for (const record of event.Records) {
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    await handleIndexMessage(JSON.parse(record.body) as IndexQueueMessage, { attempt, isLast: attempt >= INDEX_MAX_ATTEMPTS });
  }
}
