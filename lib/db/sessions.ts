import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { isConditionFailure } from '#lib/db/conditions';
import { queryAll } from '#lib/db/query';
import { TABLE_SCHEMA } from '#lib/db/table-schema';

export interface SessionRecord {
  token_hash: string;
  account_id: string;
  created_at: string;
  /** Epoch ms: the sliding (idle) deadline, pushed forward as the session is used. */
  idle_expires_ms: number;
  /** Epoch ms: the hard deadline, never moved. */
  absolute_expires_ms: number;
  /** Epoch ms of the last time the idle deadline was pushed. */
  touched_ms: number;
}

export async function putSession(session: SessionRecord): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.session(session.token_hash),
        ...keys.sessionIndex(session.account_id, session.token_hash),
        ...session,
        expires_at: Math.ceil(session.absolute_expires_ms / 1000),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
}

export async function getSession(tokenHash: string): Promise<SessionRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.session(tokenHash), ConsistentRead: true }));
  return result.Item as SessionRecord | undefined;
}

/** Pushes the idle deadline; a session deleted meanwhile (logout) stays deleted. */
export async function extendSession(tokenHash: string, idleExpiresMs: number, touchedMs: number): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.session(tokenHash),
        UpdateExpression: 'SET idle_expires_ms = :idle, touched_ms = :touched',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':idle': idleExpiresMs, ':touched': touchedMs },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

export async function deleteSession(tokenHash: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName, Key: keys.session(tokenHash) }));
}

/** Keys of every session of an account (for deleting the account). */
export async function listSessionKeysOf(accountId: string): Promise<Array<{ PK: string; SK: string }>> {
  const { GSI1PK, GSI1SKPrefix } = keys.sessionsOf(accountId);
  const items = await queryAll<{ PK: string; SK: string }>({
    TableName: tableName,
    IndexName: TABLE_SCHEMA.gsi1.name,
    KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :prefix)',
    ExpressionAttributeValues: { ':pk': GSI1PK, ':prefix': GSI1SKPrefix },
    ProjectionExpression: 'PK, SK',
  });
  return items;
}
