import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { runAutoTopUpsFromStream } from '#lib/billing/auto-topup';

/** The table's stream, filtered in the stack to new auto top-up requests; the local runtime calls it with the same shape. */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  return runAutoTopUpsFromStream(event);
}
