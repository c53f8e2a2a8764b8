import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';

/** Deletes items by key, 25 per request (BatchWriteItem's cap), until none is left unprocessed. */
export async function deleteItems(itemKeys: ReadonlyArray<{ PK: string; SK: string }>): Promise<void> {
  for (let start = 0; start < itemKeys.length; start += 25) {
    let pending: Record<string, Array<{ DeleteRequest: { Key: { PK: string; SK: string } } }>> | undefined = {
      [tableName]: itemKeys.slice(start, start + 25).map((Key) => ({ DeleteRequest: { Key } })),
    };
    while (pending && Object.keys(pending).length > 0) {
      const result = await db.send(new BatchWriteCommand({ RequestItems: pending }));
      pending = result.UnprocessedItems as typeof pending;
    }
  }
}

/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_LIMIT = 100;

/** Reads items by key, 100 per request (BatchGetItem's cap), until none is left unprocessed. Missing keys are skipped. */
export async function getItems<T>(itemKeys: ReadonlyArray<{ PK: string; SK: string }>): Promise<T[]> {
  const batches: Array<ReadonlyArray<{ PK: string; SK: string }>> = [];
  for (let start = 0; start < itemKeys.length; start += BATCH_GET_LIMIT) batches.push(itemKeys.slice(start, start + BATCH_GET_LIMIT));
  // The batches go out together: a search reads ~160 video records, and one after another cost twice the time (bench/search-http.ts).
  return (await Promise.all(batches.map((batch) => getBatch<T>(batch)))).flat();
}

/** One BatchGetItem of at most 100 keys, asking again for what DynamoDB left unprocessed. */
async function getBatch<T>(batchKeys: ReadonlyArray<{ PK: string; SK: string }>): Promise<T[]> {
  const found: T[] = [];
  let pending: Record<string, { Keys: Array<{ PK: string; SK: string }> }> | undefined = { [tableName]: { Keys: [...batchKeys] } };
  while (pending && Object.keys(pending).length > 0) {
    const result = await db.send(new BatchGetCommand({ RequestItems: pending }));
    found.push(...((result.Responses?.[tableName] ?? []) as T[]));
    pending = result.UnprocessedKeys as typeof pending;
  }
  return found;
}
