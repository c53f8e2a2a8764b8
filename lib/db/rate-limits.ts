import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { isConditionFailure } from '#lib/db/conditions';

/**
 * Takes one request from a fixed window's counter, shared by every Lambda instance: a conditional
 * ADD that refuses to pass the limit. The row expires (TTL) soon after its window.
 * Returns the count after this request, or undefined when the window is already full.
 */
export async function takeFromWindow(scope: string, group: string, windowStartSecs: number, limit: number, expiresAtSecs: number): Promise<number | undefined> {
  try {
    const result = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.rateWindow(scope, group, windowStartSecs),
        UpdateExpression: 'ADD #count :one SET expires_at = if_not_exists(expires_at, :expires)',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'request_count' },
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expires': expiresAtSecs },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const count: unknown = result.Attributes?.request_count;
    return typeof count === 'number' ? count : limit;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}
