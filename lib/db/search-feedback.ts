import { QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { feedbackChanged } from '#lib/db/accounts';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { queryAll } from '#lib/db/query';

/**
 * What an account told us about results (a down vote hides that segment from its searches) and
 * the queries it ran (suggest completes from them). Both live in the account's partition.
 */
export interface FeedbackRecord {
  video_id: string;
  timestamp_start: number;
  signal: 'up' | 'down';
  query: string | null;
  created_at: string;
}

/** One segment of one video, as feedback names it: the start exactly as search returned it. */
export function segmentKey(videoId: string, timestampStart: number): string {
  return `${videoId}@${timestampStart}`;
}

export async function putFeedback(accountId: string, feedback: FeedbackRecord): Promise<void> {
  const Item = { ...keys.searchFeedback(accountId, segmentKey(feedback.video_id, feedback.timestamp_start)), ...feedback };
  await db.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: tableName, Item } }, feedbackChanged(accountId)] }));
}

export async function deleteFeedback(accountId: string, videoId: string, timestampStart: number): Promise<void> {
  const Key = keys.searchFeedback(accountId, segmentKey(videoId, timestampStart));
  await db.send(new TransactWriteCommand({ TransactItems: [{ Delete: { TableName: tableName, Key } }, feedbackChanged(accountId)] }));
}

/** Keys (segmentKey) of the segments this account voted down, read consistently (it is kept while `feedback_epoch` holds). */
export async function hiddenSegments(accountId: string): Promise<Set<string>> {
  const { PK, SKPrefix } = keys.searchFeedbackOf(accountId);
  const items = await queryAll<FeedbackRecord>({
    TableName: tableName,
    ConsistentRead: true,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    FilterExpression: '#signal = :down',
    ExpressionAttributeNames: { '#signal': 'signal' },
    ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix, ':down': 'down' },
  });
  return new Set(items.map((item) => segmentKey(item.video_id, item.timestamp_start)));
}

const QUERY_TTL_SECS = 90 * 24 * 60 * 60;

/** Counts a query the account ran (kept 90 days after its last use). */
export async function rememberQuery(accountId: string, normalisedQuery: string, text: string, atEpochSecs: number): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.pastQuery(accountId, normalisedQuery),
      UpdateExpression: 'SET #text = :text, last_used = :at, expires_at = :expires ADD uses :one',
      ExpressionAttributeNames: { '#text': 'text' },
      ExpressionAttributeValues: { ':text': text, ':at': atEpochSecs, ':expires': atEpochSecs + QUERY_TTL_SECS, ':one': 1 },
    }),
  );
}

export async function pastQueriesStartingWith(accountId: string, normalisedPrefix: string, limit: number): Promise<Array<{ text: string; uses: number }>> {
  const { PK, SKPrefix } = keys.pastQueriesStartingWith(accountId, normalisedPrefix);
  const page = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix },
      Limit: Math.max(limit * 5, 50),
    }),
  );
  return ((page.Items ?? []) as Array<{ text: string; uses: number }>).sort((a, b) => b.uses - a.uses).slice(0, limit);
}
