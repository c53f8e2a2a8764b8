import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  deleteCollectionRecord,
  getCollectionRecord,
  insertCollection,
  listCollectionRecords,
  listDeletingCollections,
  listOwnedItemKeys,
  markCollectionDeleting,
  updateCollectionName,
  type CollectionRecord,
} from '#lib/db/collections';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

function collectionRecord(accountId: string, collectionId: string, name: string): CollectionRecord {
  return {
    collection_id: collectionId,
    account_id: accountId,
    name,
    name_key: name.toLowerCase(),
    status: 'active',
    created_at: '2026-04-01T00:00:00.000Z',
    updated_at: '2026-04-01T00:00:00.000Z',
    video_count: 0,
    total_duration_secs: 0,
    storage_bytes: 0,
  };
}

describe('collections of an account, under a name guard', () => {
  it('writes the collection and its name guard; reads and lists it', async () => {
    // Arrange
    const record = collectionRecord('acc_c1', 'col_01', 'Holidays');

    // Act
    await insertCollection(record);

    // Assert
    expect(await getCollectionRecord('acc_c1', 'col_01')).toEqual({ ...keys.collection('acc_c1', 'col_01'), ...record });
    expect(await storedItem(keys.collectionNameGuard('acc_c1', 'holidays'))).toMatchObject({ collection_id: 'col_01' });
    expect(await listCollectionRecords('acc_c1')).toEqual([{ ...keys.collection('acc_c1', 'col_01'), ...record }]);
  });

  it("lists one account's collections only, newest first", async () => {
    // Arrange
    for (const [collectionId, name] of [
      ['col_01', 'a'],
      ['col_03', 'c'],
      ['col_02', 'b'],
    ] as const) {
      await insertCollection(collectionRecord('acc_c2', collectionId, name));
    }
    await insertCollection(collectionRecord('acc_c2_other', 'col_04', 'd'));

    // Act
    const listed = await listCollectionRecords('acc_c2');

    // Assert
    expect(listed.map((record) => record.collection_id)).toEqual(['col_03', 'col_02', 'col_01']);
  });

  it('refuses a second collection of the same name in one account with COLLECTION_NAME_TAKEN, but not in another', async () => {
    // Arrange
    await insertCollection(collectionRecord('acc_c3', 'col_01', 'Clips'));

    // Act
    const sameAccount = insertCollection(collectionRecord('acc_c3', 'col_02', 'Clips'));
    const otherAccount = insertCollection(collectionRecord('acc_c3_other', 'col_03', 'Clips'));

    // Assert
    await expect(sameAccount).rejects.toMatchObject({ code: 'COLLECTION_NAME_TAKEN' });
    await expect(otherAccount).resolves.toBeUndefined();
    expect(await getCollectionRecord('acc_c3', 'col_02')).toBeUndefined();
  });

  it('renames under the guard: the new name is taken and the old one released', async () => {
    // Arrange
    const record = collectionRecord('acc_c4', 'col_01', 'Old');
    await insertCollection(record);

    // Act
    await updateCollectionName(record, 'New', 'new', '2026-04-02T00:00:00.000Z');
    const reuseOld = insertCollection(collectionRecord('acc_c4', 'col_02', 'Old'));

    // Assert
    expect(await getCollectionRecord('acc_c4', 'col_01')).toMatchObject({ name: 'New', name_key: 'new', updated_at: '2026-04-02T00:00:00.000Z' });
    await expect(reuseOld).resolves.toBeUndefined();
    await expect(insertCollection(collectionRecord('acc_c4', 'col_03', 'New'))).rejects.toMatchObject({ code: 'COLLECTION_NAME_TAKEN' });
  });

  it('refuses a rename to a taken name (COLLECTION_NAME_TAKEN) and of a collection being deleted (COLLECTION_NOT_FOUND)', async () => {
    // Arrange
    const first = collectionRecord('acc_c5', 'col_01', 'First');
    const second = collectionRecord('acc_c5', 'col_02', 'Second');
    const gone = collectionRecord('acc_c5', 'col_03', 'Gone');
    for (const record of [first, second, gone]) await insertCollection(record);
    await markCollectionDeleting(gone, '2026-04-03T00:00:00.000Z');

    // Act
    const [toTaken, whileDeleting] = await Promise.allSettled([
      updateCollectionName(first, 'Second', 'second', '2026-04-04T00:00:00.000Z'),
      updateCollectionName(gone, 'Other', 'other', '2026-04-04T00:00:00.000Z'),
    ]);

    // Assert
    expect(toTaken).toMatchObject({ status: 'rejected', reason: { code: 'COLLECTION_NAME_TAKEN' } });
    expect(whileDeleting).toMatchObject({ status: 'rejected', reason: { code: 'COLLECTION_NOT_FOUND' } });
    expect((await getCollectionRecord('acc_c5', 'col_01'))?.name).toBe('First');
    expect((await getCollectionRecord('acc_c5', 'col_03'))?.name).toBe('Gone');
    expect(await storedItem(keys.collectionNameGuard('acc_c5', 'other'))).toBeUndefined();
  });

  it('marks a collection deleting: its name is free again and it is listed for the sweep until its record goes', async () => {
    // Arrange
    const record = collectionRecord('acc_c6', 'col_06', 'Doomed');
    await insertCollection(record);

    // Act
    await markCollectionDeleting(record, '2026-04-05T00:00:00.000Z');
    const listedWhileDeleting = await listDeletingCollections(100);
    await deleteCollectionRecord('acc_c6', 'col_06');

    // Assert
    expect(listedWhileDeleting).toContainEqual({ account_id: 'acc_c6', collection_id: 'col_06' });
    expect(await storedItem(keys.collectionNameGuard('acc_c6', 'doomed'))).toBeUndefined();
    expect(await getCollectionRecord('acc_c6', 'col_06')).toBeUndefined();
    expect(await listDeletingCollections(100)).not.toContainEqual({ account_id: 'acc_c6', collection_id: 'col_06' });
  });

  it("lists the keys of everything a collection owns, a page at a time, and nothing of another's", async () => {
    // Arrange
    for (const videoId of ['vid_1', 'vid_2', 'vid_3']) {
      await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.video('acc_c7', videoId), ...keys.videoIndex('col_07', videoId) } }));
    }
    await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.video('acc_c7', 'vid_4'), ...keys.videoIndex('col_08', 'vid_4') } }));

    // Act
    const page = await listOwnedItemKeys('col_07', 2);
    const all = await listOwnedItemKeys('col_07', 100);

    // Assert
    expect(page).toHaveLength(2);
    expect(all).toEqual([keys.video('acc_c7', 'vid_1'), keys.video('acc_c7', 'vid_2'), keys.video('acc_c7', 'vid_3')]);
  });
});
