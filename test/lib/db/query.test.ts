import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { gsi1All, gsi1Page, queryAll, queryPrefixNewestFirst } from '#lib/db/query';
import { useTestTable } from '#test/support/table';

useTestTable();

async function put(item: Record<string, unknown>): Promise<void> {
  await db.send(new PutCommand({ TableName: tableName, Item: item }));
}

describe('queries of a partition', () => {
  it('reads every item of a query, following its pages to the end', async () => {
    // Arrange
    for (let n = 1; n <= 5; n += 1) await put({ PK: 'QUERY_ALL', SK: `ITEM#${n}`, n });

    // Act
    const items = await queryAll<{ n: number }>({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': 'QUERY_ALL' },
      Limit: 2,
    });

    // Assert
    expect(items.map((item) => item.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads the items under a sort-key prefix only, highest (newest) first', async () => {
    // Arrange
    for (const sk of ['VID#01', 'VID#03', 'VID#02', 'VIDEO_OTHER', 'JOB#09', 'ACCOUNT']) await put({ PK: 'ACC#acc_query1', SK: sk });
    await put({ PK: 'ACC#acc_query1_other', SK: 'VID#04' });

    // Act
    const items = await queryPrefixNewestFirst<{ SK: string }>(tableName, 'ACC#acc_query1', 'VID#');

    // Assert
    expect(items.map((item) => item.SK)).toEqual(['VID#03', 'VID#02', 'VID#01']);
  });

  it('reads nothing for a partition with no items under the prefix', async () => {
    // Act / Assert
    expect(await queryPrefixNewestFirst(tableName, 'ACC#acc_query_empty', 'VID#')).toEqual([]);
  });
});

describe('GSI1 partitions', () => {
  it('takes a page of at most `limit` items, with only the projected attributes', async () => {
    // Arrange
    for (let n = 1; n <= 3; n += 1)
      await put({ PK: `ITEM#page${n}`, SK: 'ITEM', GSI1PK: 'SWEEP_PAGE', GSI1SK: `ITEM#${n}`, account_id: `acc_${n}`, secret: 'not projected' });

    // Act
    const page = await gsi1Page<Record<string, unknown>>('SWEEP_PAGE', 'account_id', 2);

    // Assert
    expect(page).toEqual([{ account_id: 'acc_1' }, { account_id: 'acc_2' }]);
  });

  it("reads every item of a partition, and none of another partition's", async () => {
    // Arrange
    for (let n = 1; n <= 3; n += 1) await put({ PK: `ITEM#all${n}`, SK: 'ITEM', GSI1PK: 'SWEEP_ALL', GSI1SK: `ITEM#${n}`, account_id: `acc_${n}` });
    await put({ PK: 'ITEM#elsewhere', SK: 'ITEM', GSI1PK: 'SWEEP_OTHER', GSI1SK: 'ITEM#1', account_id: 'acc_elsewhere' });

    // Act
    const all = await gsi1All<{ account_id: string }>('SWEEP_ALL', 'account_id');

    // Assert
    expect(all).toEqual([{ account_id: 'acc_1' }, { account_id: 'acc_2' }, { account_id: 'acc_3' }]);
    expect(await gsi1All('SWEEP_NONE', 'account_id')).toEqual([]);
  });
});
