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

/**
 * Where a list is read from, newest (highest sort key) first: the rows of partition `PK` whose sort key
 * starts with `SKPrefix`, or — with `GSI1PK` — that GSI1 partition's rows whose GSI1SK starts with it (the
 * lists read through GSI1 have GSI1SK = SK, so one sort key says where a page stops in either).
 */
export interface ListRange {
  PK: string;
  SKPrefix: string;
  GSI1PK?: string;
}

/** A condition rows must meet to be listed (read with the range, never instead of it). */
export interface ListFilter {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/**
 * The filter of a status-filtered list: rows of one of `statuses` (any when empty), never of `excluded`,
 * and, when `accountId` is given, of that account only — a GSI1 collection partition is shared by id
 * only, so the account check keeps another account's id from reading its rows. Undefined: no filter.
 */
export function statusListFilter(options: { statuses: readonly string[]; excluded?: string; accountId?: string | undefined }): ListFilter | undefined {
  const { statuses, excluded, accountId } = options;
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  if (excluded !== undefined) {
    conditions.push('#status <> :excluded');
    values[':excluded'] = excluded;
  }
  statuses.forEach((status, index) => (values[`:status${index}`] = status));
  if (statuses.length > 0) conditions.push(`#status IN (${statuses.map((_, index) => `:status${index}`).join(', ')})`);
  if (accountId !== undefined) {
    conditions.push('account_id = :account');
    values[':account'] = accountId;
  }
  if (conditions.length === 0) return undefined;
  const readsStatus = excluded !== undefined || statuses.length > 0;
  return { expression: conditions.join(' AND '), ...(readsStatus ? { names: { '#status': 'status' } } : {}), values };
}

/**
 * A filtered read stops after evaluating this many rows past those it was asked for, even short of a
 * full page: its page then ends early and its cursor resumes where the read stopped.
 */
export const FILTERED_READ_BOUND = 2_000;

function rangeQuery(range: ListRange, filter: ListFilter | undefined): QueryCommandInput {
  const onIndex = range.GSI1PK !== undefined;
  return {
    TableName: tableName,
    ...(onIndex ? { IndexName: TABLE_SCHEMA.gsi1.name } : {}),
    KeyConditionExpression: onIndex ? 'GSI1PK = :pk AND begins_with(GSI1SK, :prefix)' : 'PK = :pk AND begins_with(SK, :prefix)',
    ...(filter ? { FilterExpression: filter.expression } : {}),
    ...(filter?.names ? { ExpressionAttributeNames: filter.names } : {}),
    ExpressionAttributeValues: { ':pk': range.GSI1PK ?? range.PK, ':prefix': range.SKPrefix, ...filter?.values },
    ScanIndexForward: false,
  };
}

/** The key a read resumes after: the row whose sort key is `sortKey` (it need not exist any more). */
function startAfter(range: ListRange, sortKey: string): Record<string, string> {
  return range.GSI1PK === undefined ? { PK: range.PK, SK: sortKey } : { PK: range.PK, SK: sortKey, GSI1PK: range.GSI1PK, GSI1SK: sortKey };
}

/** What a list read asks for (see readNewestFirst). */
export interface ListRead {
  limit: number;
  skip: number;
  after: string | undefined;
}

/**
 * One page of a list by key condition: `limit` rows after skipping `skip` (page mode) or after the row
 * whose sort key is `after` (cursor mode), reading one row more than asked to know whether more follow.
 * `next` is the sort key to resume after, undefined when the range is read to its end.
 */
export async function readNewestFirst<T extends { SK: string }>(
  range: ListRange,
  read: ListRead & { filter?: ListFilter | undefined; bound?: number },
): Promise<{ items: T[]; next: string | undefined }> {
  if (read.after !== undefined && !read.after.startsWith(range.SKPrefix)) return { items: [], next: undefined };
  const wanted = read.skip + read.limit;
  const bound = read.filter ? wanted + (read.bound ?? FILTERED_READ_BOUND) : Number.POSITIVE_INFINITY;
  const base = rangeQuery(range, read.filter);
  const rows: T[] = [];
  let start: Record<string, unknown> | undefined = read.after === undefined ? undefined : startAfter(range, read.after);
  let evaluated = 0;
  let reads = 0;
  do {
    const need = wanted + 1 - rows.length;
    // A filter usually lets nearly every row through (most lists hide only rows being deleted): the first read
    // asks for a few more than needed, later ones for more at a time.
    const limit = !read.filter ? need : Math.min(reads === 0 ? need + 4 : Math.max(need * 2, 100), 1000, bound - evaluated);
    reads += 1;
    const result = await db.send(new QueryCommand({ ...base, Limit: limit, ExclusiveStartKey: start }));
    rows.push(...((result.Items ?? []) as T[]));
    evaluated += result.ScannedCount ?? 0;
    start = result.LastEvaluatedKey;
  } while (start && rows.length <= wanted && evaluated < bound);
  const items = rows.slice(read.skip, wanted);
  if (rows.length > wanted) return { items, next: items.at(-1)?.SK };
  if (!start) return { items, next: undefined };
  // The bound stopped a filtered read short: resume where it stopped.
  const stoppedAt = (range.GSI1PK === undefined ? start.SK : start.GSI1SK) as string;
  return { items, next: stoppedAt };
}

/**
 * How many rows of the range meet `filter`: a count of keys (no items come back), for the filters no
 * counter keeps (e.g. a status). Reads the range's keys: use a counter wherever one is kept.
 */
export async function countInRange(range: ListRange, filter: ListFilter | undefined): Promise<number> {
  let total = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const result = await db.send(new QueryCommand({ ...rangeQuery(range, filter), Select: 'COUNT', ExclusiveStartKey: start }));
    total += result.Count ?? 0;
    start = result.LastEvaluatedKey;
  } while (start);
  return total;
}
