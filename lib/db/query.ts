import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { TABLE_SCHEMA } from '#lib/db/table-schema';

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

function gsi1Partition(partition: string, projection: string) {
  return {
    TableName: tableName,
    IndexName: TABLE_SCHEMA.gsi1.name,
    KeyConditionExpression: 'GSI1PK = :pk',
    ExpressionAttributeValues: { ':pk': partition },
    ProjectionExpression: projection,
  };
}

/** Up to `limit` items of a GSI1 partition: the resumable sweeps take their work a page at a time. */
export async function gsi1Page<T>(partition: string, projection: string, limit: number): Promise<T[]> {
  const page = await db.send(new QueryCommand({ ...gsi1Partition(partition, projection), Limit: limit }));
  return (page.Items ?? []) as T[];
}

/** Up to `limit` items of a GSI1 partition whose sort key sorts before `GSI1SKBefore`, oldest first: work that came due. */
export async function gsi1PageBefore<T>(range: { GSI1PK: string; GSI1SKBefore: string }, projection: string, limit: number): Promise<T[]> {
  const page = await db.send(
    new QueryCommand({
      ...gsi1Partition(range.GSI1PK, projection),
      KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK < :before',
      ExpressionAttributeValues: { ':pk': range.GSI1PK, ':before': range.GSI1SKBefore },
      Limit: limit,
    }),
  );
  return (page.Items ?? []) as T[];
}

/** Every item of a GSI1 partition. */
export function gsi1All<T>(partition: string, projection: string): Promise<T[]> {
  return queryAll<T>(gsi1Partition(partition, projection));
}

/** The keys (only) of the partition's items whose sort key starts with a prefix: what a deletion sweep needs. */
export function prefixKeys(partition: string, sortKeyPrefix: string): Promise<Array<{ PK: string; SK: string }>> {
  return queryAll<{ PK: string; SK: string }>({
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': partition, ':prefix': sortKeyPrefix },
    ProjectionExpression: 'PK, SK',
  });
}
