import { describe, expect, it } from 'vitest';
import { signUp, useTestApi } from '#test/support/api';
import { credit, debit } from '#lib/billing/ledger';
import { queryPrefixNewestFirst } from '#lib/db/query';
import { tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';

const api = useTestApi();

async function eventsOf(accountId: string): Promise<string[]> {
  const { PK, SKPrefix } = keys.accountEventsOf(accountId);
  const rows = await queryPrefixNewestFirst<{ event: string }>(tableName, PK, SKPrefix);
  return rows.map((row) => row.event).reverse();
}

describe('credit events (recorded with the balance change that crosses)', () => {
  it('records credits.low when the balance crosses below $1, once, and credits.exhausted at zero', async () => {
    const { accountId } = await signUp(api);

    await debit(accountId, 3_000_000, 'search', 'test');
    const aboveThreshold = await eventsOf(accountId);
    await debit(accountId, 1_500_000, 'search', 'test');
    await debit(accountId, 100_000, 'search', 'test');
    const afterLow = await eventsOf(accountId);
    await debit(accountId, 400_000, 'search', 'test');

    expect(aboveThreshold).toEqual([]);
    expect(afterLow).toEqual(['credits.low']);
    expect(await eventsOf(accountId)).toEqual(['credits.low', 'credits.exhausted']);
  });

  it('fires again after a top-up takes the balance back over the line', async () => {
    const { accountId } = await signUp(api);
    await debit(accountId, 4_500_000, 'search', 'test');

    await credit(accountId, 5_000_000, 'grant', 'test');
    await debit(accountId, 5_000_000, 'search', 'test');

    expect(await eventsOf(accountId)).toEqual(['credits.low', 'credits.low']);
  });
});
