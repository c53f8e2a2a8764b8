import { beforeAll, inject } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '#infra/local/dynamodb';
import { db, tableName } from '#lib/db/client';

/** Creates this test file's own table on the shared DynamoDB Local before its tests (per-file-env named it). */
export function useTestTable(): void {
  beforeAll(async () => {
    const name = process.env.FRAMESEEK_TABLE_NAME;
    if (!name) throw new Error('per-file-env did not run');
    await ensureTable(inject('dynamoDbEndpoint'), name);
  });
}

/** An item as it is stored (keys included), read consistently: what a test of an access pattern checks. */
export async function storedItem(key: { PK: string; SK: string }): Promise<Record<string, unknown> | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return result.Item;
}
