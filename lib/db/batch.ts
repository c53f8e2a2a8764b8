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

/** Reads items by key, 100 per request (BatchGetItem's cap), until none is left unprocessed. Missing keys are skipped. */
export async function getItems<T>(itemKeys: ReadonlyArray<{ PK: string; SK: string }>): Promise<T[]> {
  const found: T[] = [];
  for (let start = 0; start < itemKeys.length; start += 100) {
    let pending: Record<string, { Keys: Array<{ PK: string; SK: string }> }> | undefined = { [tableName]: { Keys: itemKeys.slice(start, start + 100) } };
    while (pending && Object.keys(pending).length > 0) {
      const result = await db.send(new BatchGetCommand({ RequestItems: pending }));
      found.push(...((result.Responses?.[tableName] ?? []) as T[]));
      pending = result.UnprocessedKeys as typeof pending;
    }
  }
  return found;
}
