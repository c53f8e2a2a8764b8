import { describe, expect, it } from 'vitest';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { deleteItems, getItems } from '#lib/db/batch';
import { db, tableName } from '#lib/db/client';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

function itemKey(partition: string, n: number) {
  return { PK: partition, SK: `ITEM#${String(n).padStart(3, '0')}` };
}

/** Writes `count` items under one partition, 25 per request. */
async function writeItems(partition: string, count: number): Promise<void> {
  const items = Array.from({ length: count }, (_, n) => ({ ...itemKey(partition, n), n }));
  for (let start = 0; start < items.length; start += 25) {
    await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

describe('items by key, in batches', () => {
  it('reads more items than one BatchGetItem may ask for, leaving out keys that have none', async () => {
    // Arrange
    await writeItems('BATCH_GET', 130);
    const wanted = [...Array.from({ length: 130 }, (_, n) => itemKey('BATCH_GET', n)), itemKey('BATCH_GET', 500), itemKey('BATCH_NONE', 1)];

    // Act
    const found = await getItems<{ n: number }>(wanted);

    // Assert
    expect(found.map((item) => item.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 130 }, (_, n) => n));
    expect(await getItems([])).toEqual([]);
  });

  it('deletes more items than one BatchWriteItem may take, and only those named', async () => {
    // Arrange
    await writeItems('BATCH_DELETE', 60);
    const doomed = Array.from({ length: 55 }, (_, n) => itemKey('BATCH_DELETE', n));

    // Act
    await deleteItems([...doomed, itemKey('BATCH_DELETE', 999)]);

    // Assert
    expect(await getItems(doomed)).toEqual([]);
    expect(
      (await getItems<{ n: number }>(Array.from({ length: 60 }, (_, n) => itemKey('BATCH_DELETE', n)))).map((item) => item.n).sort((a, b) => a - b),
    ).toEqual([55, 56, 57, 58, 59]);
    expect(await storedItem(itemKey('BATCH_DELETE', 999))).toBeUndefined();
  });

  it('does nothing for an empty list of keys', async () => {
    // Act / Assert
    await expect(deleteItems([])).resolves.toBeUndefined();
  });
});
