import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { queryAll } from '#lib/db/query';
import { transactConditionally } from '#lib/db/conditions';
import { segmentKey } from '#lib/db/search-feedback';

/**
 * Clicks on search results (POST /v1/search/click), all in the account's partition: each search's
 * query (so a click, which names only its search, counts for that query), each click once, and a
 * count per (query, video) that ranking reads. Nothing here is ever read across accounts.
 */
export interface ClickRecord {
  search_id: string;
  video_id: string;
  timestamp_start: number;
  timestamp_end: number | null;
  rank: number;
  /** The normalised query of the search; null when the search had none (an image) or is unknown. */
  query_key: string | null;
  created_at: string;
}

/** How long a search can be clicked on, and a click is kept (its count stays). */
const SEARCH_TTL_SECS = 7 * 24 * 60 * 60;
/** A query's click count lasts this long after its last click. */
const COUNT_TTL_SECS = 90 * 24 * 60 * 60;

export async function putSearchRecord(accountId: string, searchId: string, queryKey: string, atEpochSecs: number): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.searchRecord(accountId, searchId), query_key: queryKey, expires_at: atEpochSecs + SEARCH_TTL_SECS },
    }),
  );
}

export async function searchQueryKey(accountId: string, searchId: string): Promise<string | null> {
  const found = await db.send(new GetCommand({ TableName: tableName, Key: keys.searchRecord(accountId, searchId), ConsistentRead: true }));
  const queryKey: unknown = found.Item?.query_key;
  return typeof queryKey === 'string' ? queryKey : null;
}

/**
 * Records the click once per (search, segment): a repeated click on the same result of the same
 * search changes nothing, so one search cannot count a video more than once. Returns whether it was new.
 */
export async function putClick(accountId: string, click: ClickRecord, atEpochSecs: number): Promise<boolean> {
  const Item = {
    ...keys.searchClick(accountId, click.search_id, segmentKey(click.video_id, click.timestamp_start)),
    ...click,
    expires_at: atEpochSecs + SEARCH_TTL_SECS,
  };
  const counted =
    click.query_key === null
      ? []
      : [
          {
            Update: {
              TableName: tableName,
              Key: keys.clickCount(accountId, click.query_key, click.video_id),
              // Kept 90 days past the last click (and gone with the account's data by then).
              UpdateExpression: 'SET video_id = :video, last_click = :at, expires_at = :expires ADD clicks :one',
              ExpressionAttributeValues: { ':video': click.video_id, ':at': atEpochSecs, ':expires': atEpochSecs + COUNT_TTL_SECS, ':one': 1 },
            },
          },
        ];
  const failed = await transactConditionally([{ Put: { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(PK)' } }, ...counted]);
  return failed.length === 0;
}

/** Clicks per video for one query of the account. */
export async function clickCounts(accountId: string, queryKey: string): Promise<Map<string, number>> {
  const { PK, SKPrefix } = keys.clickCountsOf(accountId, queryKey);
  const items = await queryAll<{ video_id: string; clicks: number }>({
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix },
    ProjectionExpression: 'video_id, clicks',
  });
  return new Map(items.map((item) => [item.video_id, item.clicks]));
}
