import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { countInRange, gsi1All, gsi1Page, queryAll, queryPrefixNewestFirst, readNewestFirst } from '#lib/db/query';
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

describe('a list page by key condition (readNewestFirst)', () => {
  const range = { PK: 'ACC#acc_pages', SKPrefix: 'VID#' };
  const seed = async (partition: string, count: number, status: (n: number) => string) => {
    for (let n = 1; n <= count; n += 1) await put({ PK: partition, SK: `VID#${String(n).padStart(3, '0')}`, n, status: status(n) });
  };
  const ns = (items: ReadonlyArray<{ n: number }>) => items.map((item) => item.n);

  it('reads a page after the row a cursor names, newest first, and says where the next one starts', async () => {
    // Arrange
    await seed('ACC#acc_pages', 7, () => 'ready');
    await put({ PK: 'ACC#acc_pages', SK: 'VIDEO_OTHER', n: 99 });

    // Act
    const first = await readNewestFirst<{ SK: string; n: number }>(range, { limit: 3, skip: 0, after: undefined });
    const second = await readNewestFirst<{ SK: string; n: number }>(range, { limit: 3, skip: 0, after: first.next });
    const last = await readNewestFirst<{ SK: string; n: number }>(range, { limit: 3, skip: 0, after: second.next });
    const byPage = await readNewestFirst<{ SK: string; n: number }>(range, { limit: 3, skip: 3, after: undefined });
    const exactEnd = await readNewestFirst<{ SK: string; n: number }>(range, { limit: 1, skip: 6, after: undefined });

    // Assert
    expect([ns(first.items), ns(second.items), ns(last.items)]).toEqual([[7, 6, 5], [4, 3, 2], [1]]);
    expect([first.next, second.next, last.next]).toEqual(['VID#005', 'VID#002', undefined]);
    expect(byPage).toEqual(second);
    expect(exactEnd).toEqual({ items: [expect.objectContaining({ n: 1 })], next: undefined });
  });

  it('reads a filtered range until the page fills, and stops short at its bound with a cursor where it stopped', async () => {
    // Arrange: only every tenth row passes the filter.
    const partition = 'ACC#acc_pages_filtered';
    await seed(partition, 60, (n) => (n % 10 === 0 ? 'failed' : 'ready'));
    const filter = { expression: '#status = :failed', names: { '#status': 'status' }, values: { ':failed': 'failed' } };
    const filtered = { PK: partition, SKPrefix: 'VID#' };

    // Act
    const full = await readNewestFirst<{ SK: string; n: number }>(filtered, { limit: 3, skip: 0, after: undefined, filter });
    const rest = await readNewestFirst<{ SK: string; n: number }>(filtered, { limit: 3, skip: 0, after: full.next, filter });
    const bounded = await readNewestFirst<{ SK: string; n: number }>(filtered, { limit: 3, skip: 0, after: undefined, filter, bound: 12 });
    const resumed = await readNewestFirst<{ SK: string; n: number }>(filtered, { limit: 3, skip: 0, after: bounded.next, filter, bound: 12 });

    // Assert
    expect([ns(full.items), full.next]).toEqual([[60, 50, 40], 'VID#040']);
    expect([ns(rest.items), rest.next]).toEqual([[30, 20, 10], undefined]);
    expect(ns(bounded.items).length).toBeLessThan(3);
    expect(bounded.next).toMatch(/^VID#/);
    expect(ns([...bounded.items, ...resumed.items]).slice(0, 3)).toEqual([60, 50, 40]);
  });

  it('counts the rows of a range a filter lets through, without reading them', async () => {
    // Arrange
    const partition = 'ACC#acc_pages_count';
    await seed(partition, 12, (n) => (n % 3 === 0 ? 'failed' : 'ready'));

    // Act
    const all = await countInRange({ PK: partition, SKPrefix: 'VID#' }, undefined);
    const failed = await countInRange({ PK: partition, SKPrefix: 'VID#' }, { expression: '#s = :f', names: { '#s': 'status' }, values: { ':f': 'failed' } });

    // Assert
    expect([all, failed]).toEqual([12, 4]);
  });
});
