import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { queryPrefixNewestFirst, readNewestFirst, type ListRead } from '#lib/db/query';
import { keys } from '#lib/db/keys';
import { countedUnderCap } from '#lib/db/accounts';
import { failedConditionIndexes, isConditionFailure } from '#lib/db/conditions';
import { AppError } from '#lib/errors';

export type KeyPermissions = 'all' | 'read_only';

export interface ApiKeyRecord {
  key_id: string;
  account_id: string;
  name: string;
  prefix: string;
  permissions: KeyPermissions;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** What authentication needs, stored under the secret's hash so a request costs one read. */
export interface ApiKeyLookup {
  key_id: string;
  account_id: string;
  permissions: KeyPermissions;
  secret_hash: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Creates the key, its lookup item and bumps the active-key counter under the plan cap, atomically. */
export async function insertApiKey(record: ApiKeyRecord, activeKeyCap: number): Promise<void> {
  const lookup: ApiKeyLookup = {
    key_id: record.key_id,
    account_id: record.account_id,
    permissions: record.permissions,
    secret_hash: record.secret_hash,
    last_used_at: null,
    revoked_at: null,
  };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          countedUnderCap(record.account_id, 'active_api_keys', activeKeyCap, 'api_key_count'),
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.apiKey(record.account_id, record.key_id), ...record },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          { Put: { TableName: tableName, Item: { ...keys.apiKeyLookup(record.secret_hash), ...lookup }, ConditionExpression: 'attribute_not_exists(PK)' } },
        ],
      }),
    );
  } catch (error) {
    if (failedConditionIndexes(error)?.includes(0)) {
      throw new AppError('API_KEY_LIMIT_REACHED', `Your plan allows ${activeKeyCap} active API key(s); revoke one or upgrade`, {
        limit: activeKeyCap,
        used: activeKeyCap,
      });
    }
    throw error;
  }
}

export async function listApiKeys(accountId: string): Promise<ApiKeyRecord[]> {
  const { PK, SKPrefix } = keys.apiKeysOf(accountId);
  return queryPrefixNewestFirst<ApiKeyRecord>(tableName, PK, SKPrefix);
}

/** A page of the account's API keys (revoked ones included), newest first. */
export function readApiKeysPage(accountId: string, read: ListRead): Promise<{ items: ApiKeyRecord[]; next: string | undefined }> {
  return readNewestFirst<ApiKeyRecord & { SK: string }>(keys.apiKeysOf(accountId), read);
}

export async function getApiKey(accountId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.apiKey(accountId, keyId), ConsistentRead: true }));
  return result.Item as ApiKeyRecord | undefined;
}

export async function getApiKeyLookup(secretHash: string): Promise<ApiKeyLookup | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.apiKeyLookup(secretHash), ConsistentRead: true }));
  return result.Item as ApiKeyLookup | undefined;
}

/** Marks key and lookup revoked, frees a slot of the cap and moves the account's keys_epoch; a second revocation fails its condition. */
export async function markApiKeyRevoked(record: ApiKeyRecord, revokedAt: string): Promise<void> {
  const setRevoked = {
    UpdateExpression: 'SET revoked_at = :at',
    ConditionExpression: 'attribute_exists(PK) AND revoked_at = :null',
    ExpressionAttributeValues: { ':at': revokedAt, ':null': null },
  };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: { TableName: tableName, Key: keys.apiKey(record.account_id, record.key_id), ...setRevoked } },
          { Update: { TableName: tableName, Key: keys.apiKeyLookup(record.secret_hash), ...setRevoked } },
          {
            Update: {
              TableName: tableName,
              Key: keys.account(record.account_id),
              UpdateExpression: 'ADD active_api_keys :minusOne, keys_epoch :one',
              ExpressionAttributeValues: { ':minusOne': -1, ':one': 1 },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (failedConditionIndexes(error)?.length) throw new AppError('API_KEY_ALREADY_REVOKED');
    throw error;
  }
}

/** Records use; skipped by the condition when another request already recorded it recently. */
export async function recordApiKeyUse(lookup: ApiKeyLookup, usedAt: string, staleBefore: string): Promise<void> {
  const update = {
    UpdateExpression: 'SET last_used_at = :at',
    ConditionExpression: 'attribute_exists(PK) AND (last_used_at = :null OR last_used_at < :stale)',
    ExpressionAttributeValues: { ':at': usedAt, ':null': null, ':stale': staleBefore },
  };
  const writes = [keys.apiKey(lookup.account_id, lookup.key_id), keys.apiKeyLookup(lookup.secret_hash)].map(async (key) => {
    try {
      await db.send(new UpdateCommand({ TableName: tableName, Key: key, ...update }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  });
  await Promise.all(writes);
}
