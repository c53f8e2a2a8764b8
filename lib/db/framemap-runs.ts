import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { isConditionFailure } from '#lib/db/conditions';

/**
 * The background computation of one frame map scope (GET /v1/framemap): at most one runs per
 * scope, claimed by a conditional write, so repeated calls while it runs start nothing more. The
 * marker goes when the map is stored; a computation that gave up leaves it `failed` with its
 * message (the next call shows it and claims again); one silent for longer than `staleBefore`
 * (a worker that died without a word) may be claimed again.
 */
export interface FrameMapRun {
  status: 'computing' | 'failed';
  started_at: string;
  failed_at?: string;
  error_message?: string;
}

export async function getFrameMapRun(accountId: string, scope: string): Promise<FrameMapRun | undefined> {
  const found = await db.send(new GetCommand({ TableName: tableName, Key: keys.frameMapRun(accountId, scope), ConsistentRead: true }));
  const item = found.Item;
  if (!item) return undefined;
  return {
    status: item.status === 'failed' ? 'failed' : 'computing',
    started_at: String(item.started_at),
    ...(typeof item.failed_at === 'string' ? { failed_at: item.failed_at } : {}),
    ...(typeof item.error_message === 'string' ? { error_message: item.error_message } : {}),
  };
}

/** Claims the scope's computation: true when this caller starts it, false when one is already running. */
export async function claimFrameMapRun(accountId: string, scope: string, startedAt: string, staleBefore: string): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.frameMapRun(accountId, scope), status: 'computing', started_at: startedAt },
        ConditionExpression: 'attribute_not_exists(PK) OR #status = :failed OR started_at < :stale',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed', ':stale': staleBefore },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The computation that started at `startedAt` is over (its map stored, or nothing to do): the marker goes, unless a later claim replaced it. */
export async function finishFrameMapRun(accountId: string, scope: string, startedAt: string): Promise<void> {
  try {
    await db.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keys.frameMapRun(accountId, scope),
        ConditionExpression: 'started_at = :started',
        ExpressionAttributeValues: { ':started': startedAt },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** The computation that started at `startedAt` gave up: recorded for the next call to show, and claimable again. */
export async function failFrameMapRun(accountId: string, scope: string, startedAt: string, failedAt: string, message: string): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.frameMapRun(accountId, scope),
        UpdateExpression: 'SET #status = :failed, failed_at = :at, error_message = :message',
        ConditionExpression: 'started_at = :started',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed', ':at': failedAt, ':message': message, ':started': startedAt },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
