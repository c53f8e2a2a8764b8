import { afterEach, describe, expect, it } from 'vitest';
import { signUp, useTestApi } from '#test/support/api';
import { giveBackSearch, takeSearch } from '#lib/billing/search-metering';
import { setPlanByEmail } from '#lib/billing/admin';
import { debit } from '#lib/billing/ledger';
import { AppError } from '#lib/errors';
import { useClock, useSystemClock } from '#lib/clock';

/** The gate POST /v1/search (issue 7) will call; exercised here directly, its effects read over HTTP. */
const api = useTestApi();
afterEach(() => useSystemClock());

async function usage(token: string) {
  return (await api.get('/v1/account', { token })).body.data;
}

async function outcome(accountId: string): Promise<string> {
  try {
    await takeSearch(accountId);
    return 'taken';
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
}

describe('search metering', () => {
  it('gives Free 30 searches a UTC day, exactly, under concurrency', async () => {
    const { token, accountId } = await signUp(api);
    useClock({ now: () => new Date('2031-03-04T10:00:00.000Z') });

    const results = await Promise.all(Array.from({ length: 40 }, () => outcome(accountId)));

    expect(results.filter((result) => result === 'taken')).toHaveLength(30);
    expect(results.filter((result) => result === 'SEARCH_LIMIT_EXCEEDED')).toHaveLength(10);
    useSystemClock();
    expect((await usage(token)).usage).toMatchObject({ search_quota: 30 });
  });

  it('refuses the 31st with limit and used, gives back a failed search, and starts afresh after midnight UTC', async () => {
    const { accountId } = await signUp(api);
    useClock({ now: () => new Date('2031-03-04T23:59:00.000Z') });
    const charges = [];
    for (let index = 0; index < 30; index += 1) charges.push(await takeSearch(accountId));

    const refused = await takeSearch(accountId).catch((error: unknown) => error);
    const lastCharge = charges.at(-1);
    if (lastCharge) await giveBackSearch(lastCharge);
    const afterGiveBack = await outcome(accountId);
    const againRefused = await outcome(accountId);
    useClock({ now: () => new Date('2031-03-05T00:00:01.000Z') });
    const nextDay = await outcome(accountId);

    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'SEARCH_LIMIT_EXCEEDED', extras: { limit: 30, used: 30 } });
    expect([afterGiveBack, againRefused, nextDay]).toEqual(['taken', 'SEARCH_LIMIT_EXCEEDED', 'taken']);
  });

  it('shows the day’s count in GET /v1/account', async () => {
    const { token, accountId } = await signUp(api);

    await takeSearch(accountId);
    await takeSearch(accountId);

    expect((await usage(token)).usage.searches_today).toBe(2);
  });

  it('charges pay-as-you-go $0.001 a search from the credit, and refunds a failed one', async () => {
    const { token, accountId, email } = await signUp(api);
    await setPlanByEmail(email, 'payg');

    const charge = await takeSearch(accountId);
    const afterSearch = (await usage(token)).credits_micros;
    await giveBackSearch(charge);

    expect(afterSearch).toBe(5_000_000 - 1_000);
    expect((await usage(token)).credits_micros).toBe(5_000_000);
    expect((await usage(token)).usage.search_quota).toBeNull();
  });

  it('answers INSUFFICIENT_CREDITS to pay-as-you-go with nothing left', async () => {
    const { accountId, email } = await signUp(api);
    await setPlanByEmail(email, 'payg');
    await debit(accountId, 4_999_500, 'search', 'test: nearly empty');

    expect(await outcome(accountId)).toBe('INSUFFICIENT_CREDITS');
  });
});
