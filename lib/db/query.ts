import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { db } from '#lib/db/client';

/** Every item of a query, following LastEvaluatedKey across pages. */
export async function queryAll<T>(input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<T[]> {
  const items: T[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: cursor }));
    items.push(...((page.Items ?? []) as T[]));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/** Items of the account partition whose sort key starts with a prefix, newest (highest ULID) first. */
export function queryPrefixNewestFirst<T>(tableName: string, partition: string, sortKeyPrefix: string): Promise<T[]> {
  return queryAll<T>({
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': partition, ':prefix': sortKeyPrefix },
    ScanIndexForward: false,
  });
}
