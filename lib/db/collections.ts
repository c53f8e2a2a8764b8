import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { deleteItems, getItems } from '#lib/db/batch';
import { gsi1Page, queryPrefixNewestFirst, readNewestFirst, type ListRead } from '#lib/db/query';
import { keys } from '#lib/db/keys';
import { failedConditionIndexes, transactConditionally } from '#lib/db/conditions';
import { AppError } from '#lib/errors';
import { listCountersChange } from '#lib/db/accounts';

export interface CollectionRecord {
  collection_id: string;
  account_id: string;
  name: string;
  /** Case- and space-insensitive form of the name: what uniqueness is checked on. */
  name_key: string;
  status: 'active' | 'deleting';
  created_at: string;
  updated_at: string;
  video_count: number;
  total_duration_secs: number;
  storage_bytes: number;
  thumbnail_keys?: string[];
}

const nameGuardPut = (record: Pick<CollectionRecord, 'account_id' | 'name_key' | 'collection_id'>) => ({
  Put: {
    TableName: tableName,
    Item: { ...keys.collectionNameGuard(record.account_id, record.name_key), collection_id: record.collection_id },
    ConditionExpression: 'attribute_not_exists(PK)',
  },
});

export async function insertCollection(record: CollectionRecord): Promise<void> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          nameGuardPut(record),
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.collection(record.account_id, record.collection_id), ...record },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          listCountersChange(record.account_id, { collection_count: 1 }),
        ],
      }),
    );
  } catch (error) {
    if (failedConditionIndexes(error)?.includes(0)) throw new AppError('COLLECTION_NAME_TAKEN');
    throw error;
  }
}

/** The record, whatever its status; callers decide what `deleting` means to them. */
export async function getCollectionRecord(accountId: string, collectionId: string): Promise<CollectionRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.collection(accountId, collectionId), ConsistentRead: true }));
  return result.Item as CollectionRecord | undefined;
}

/** Every collection of the account, newest first (ULIDs sort by creation time). */
export async function listCollectionRecords(accountId: string): Promise<CollectionRecord[]> {
  const { PK, SKPrefix } = keys.collectionsOf(accountId);
  return queryPrefixNewestFirst<CollectionRecord>(tableName, PK, SKPrefix);
}

/** A page of the account's active collections, newest first (a key-condition read, never the whole partition). */
export async function readCollectionsPage(accountId: string, read: ListRead): Promise<{ items: CollectionRecord[]; next: string | undefined }> {
  return readNewestFirst<CollectionRecord & { SK: string }>(keys.collectionsOf(accountId), {
    ...read,
    filter: { expression: '#status = :active', names: { '#status': 'status' }, values: { ':active': 'active' } },
  });
}

/** Renames under the uniqueness guard: the old name is released and the new one taken in one transaction. */
export async function updateCollectionName(record: CollectionRecord, name: string, nameKey: string, updatedAt: string): Promise<void> {
  const update = {
    Update: {
      TableName: tableName,
      Key: keys.collection(record.account_id, record.collection_id),
      UpdateExpression: 'SET #name = :name, name_key = :nameKey, updated_at = :at',
      ConditionExpression: '#status = :active',
      ExpressionAttributeNames: { '#name': 'name', '#status': 'status' },
      ExpressionAttributeValues: { ':name': name, ':nameKey': nameKey, ':at': updatedAt, ':active': 'active' },
    },
  };
  if (nameKey === record.name_key) {
    await db.send(new TransactWriteCommand({ TransactItems: [update] }));
    return;
  }
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          nameGuardPut({ account_id: record.account_id, name_key: nameKey, collection_id: record.collection_id }),
          update,
          {
            Delete: {
              TableName: tableName,
              Key: keys.collectionNameGuard(record.account_id, record.name_key),
              ConditionExpression: 'collection_id = :id',
              ExpressionAttributeValues: { ':id': record.collection_id },
            },
          },
        ],
      }),
    );
  } catch (error) {
    const failed = failedConditionIndexes(error);
    if (failed?.includes(0)) throw new AppError('COLLECTION_NAME_TAKEN');
    if (failed?.length) throw new AppError('COLLECTION_NOT_FOUND');
    throw error;
  }
}

/**
 * First step of a delete: the collection disappears from every read (and from the account's count)
 * and its name is free again, while its contents are swept. Listed under GSI1 DELETING so a later
 * run can resume. Once only: a collection no longer active is left as it is.
 */
export async function markCollectionDeleting(record: CollectionRecord, at: string): Promise<void> {
  try {
    await markDeleting(record, at);
  } catch (error) {
    if (!failedConditionIndexes(error)?.includes(0)) throw error;
  }
}

async function markDeleting(record: CollectionRecord, at: string): Promise<void> {
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: tableName,
            Key: keys.collection(record.account_id, record.collection_id),
            UpdateExpression: 'SET #status = :deleting, updated_at = :at, GSI1PK = :gsiPk, GSI1SK = :gsiSk',
            ConditionExpression: '#status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':active': 'active',
              ':deleting': 'deleting',
              ':at': at,
              ':gsiPk': keys.collectionDeleting(record.collection_id).GSI1PK,
              ':gsiSk': keys.collectionDeleting(record.collection_id).GSI1SK,
            },
          },
        },
        {
          Delete: {
            TableName: tableName,
            Key: keys.collectionNameGuard(record.account_id, record.name_key),
            ConditionExpression: 'attribute_not_exists(PK) OR collection_id = :id',
            ExpressionAttributeValues: { ':id': record.collection_id },
          },
        },
        listCountersChange(record.account_id, { collection_count: -1 }),
      ],
    }),
  );
}

/** Keys of the items a collection owns (GSI1 COL#<id>), one page at a time. */
export async function listOwnedItemKeys(collectionId: string, limit: number): Promise<Array<{ PK: string; SK: string }>> {
  return gsi1Page(keys.ownedByCollection(collectionId).GSI1PK, 'PK, SK', limit);
}

/**
 * Deletes rows a collection owned besides its videos (earlier jobs of reindexed videos, upload
 * sessions): each job row with the account's job count, in one transaction, once.
 */
export async function deleteOwnedRows(accountId: string, rows: ReadonlyArray<{ PK: string; SK: string }>): Promise<void> {
  const jobPrefix = keys.jobsOf(accountId).SKPrefix;
  const jobs = rows.filter((row) => row.PK === keys.account(accountId).PK && row.SK.startsWith(jobPrefix));
  await deleteItems(rows.filter((row) => !jobs.includes(row)));
  // Most were the current jobs of the videos just purged, gone with them: only those still there are deleted (and counted).
  for (const row of await getItems<{ PK: string; SK: string }>(jobs)) {
    await transactConditionally([
      { Delete: { TableName: tableName, Key: { PK: row.PK, SK: row.SK }, ConditionExpression: 'attribute_exists(PK)' } },
      listCountersChange(accountId, { job_count: -1 }),
    ]);
  }
}

export async function deleteCollectionRecord(accountId: string, collectionId: string): Promise<void> {
  await deleteItems([keys.collection(accountId, collectionId)]);
}

/** Collections whose delete was started but not finished (for the resuming sweep). */
export async function listDeletingCollections(limit: number): Promise<Array<{ account_id: string; collection_id: string }>> {
  return gsi1Page(keys.deletingCollections().GSI1PK, 'account_id, collection_id', limit);
}
