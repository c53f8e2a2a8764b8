import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { fanOutFromStream } from '#lib/webhooks/deliveries';

/** The table's stream, filtered in the stack to new outbox events; the local runtime calls it with the same shape. */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  return fanOutFromStream(event);
}
