import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sendFromQueue } from '#lib/webhooks/deliveries';

/**
 * SQS → one delivery attempt per message. A receiver's failure is not this handler's: it is recorded
 * and retried later by the sweep; only a failure to record (the table) returns the message to SQS,
 * and after its redrives to the DLQ, which raises an alarm.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return sendFromQueue(event);
}
