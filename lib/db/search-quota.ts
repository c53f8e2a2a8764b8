import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { isConditionFailure } from '#lib/db/conditions';

/**
 * Searches counted per account per UTC day. The day is in the key, so "the reset at 00:00 UTC" is
 * simply a new counter: a late or repeated reset cannot make a quota decision wrong, and old
 * counters expire by TTL.
 */
export async function takeDailySearch(accountId: string, dayIso: string, quota: number, expiresAtSecs: number): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.searchQuota(accountId, dayIso),
        UpdateExpression: 'ADD searches :one SET expires_at = if_not_exists(expires_at, :expires)',
        ConditionExpression: 'attribute_not_exists(searches) OR searches < :quota',
        ExpressionAttributeValues: { ':one': 1, ':quota': quota, ':expires': expiresAtSecs },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function giveBackDailySearch(accountId: string, dayIso: string): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.searchQuota(accountId, dayIso),
        UpdateExpression: 'ADD searches :minusOne',
        ConditionExpression: 'searches > :zero',
        ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

export async function searchesOn(accountId: string, dayIso: string): Promise<number> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.searchQuota(accountId, dayIso), ConsistentRead: true }));
  const searches: unknown = result.Item?.searches;
  return typeof searches === 'number' ? searches : 0;
}
