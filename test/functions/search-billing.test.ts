import { afterEach, describe, expect, it } from 'vitest';
import { createKey, errorOf, list, PASSWORD, signUp, useTestApi, type ApiResponse } from '#test/support/api';
import { useClock, useSystemClock } from '#lib/clock';
import { armFault, disarmFault } from '#lib/faults';
import { setPlanByEmail } from '#lib/billing/admin';
import { debit } from '#lib/billing/ledger';

/**
 * POST /v1/search as billing sees it (plans.md, Searches and Prices), over HTTP: Free takes one of
 * its 30 searches a UTC day, pay as you go pays $0.001 from its credit. An account with nothing
 * indexed still searches (and is metered: the search ran, it found nothing).
 */
const api = useTestApi();
const TRIAL = 5_000_000;
const SEARCH_PRICE = 1_000;
const DAY = 24 * 60 * 60 * 1000;

afterEach(() => {
  useSystemClock();
  disarmFault('search_index_unavailable');
});

function freezeAt(iso: string): void {
  useClock({ now: () => new Date(iso) });
}

function search(key: string): Promise<ApiResponse> {
  return api.post('/v1/search', { token: key, body: { query: 'anything at all' } });
}

async function usage(key: string) {
  return (await api.get('/v1/account', { token: key })).body.data;
}

async function logIn(email: string): Promise<string> {
  const response = await api.post('/v1/auth/login', { body: { email, password: PASSWORD } });
  return String(response.body.data.session.token);
}

async function freeAccount(): Promise<{ key: string; token: string }> {
  const { token } = await signUp(api);
  const { key } = await createKey(api, token);
  return { key, token };
}

async function paygAccount(): Promise<{ key: string; token: string; accountId: string; email: string }> {
  const account = await signUp(api);
  await setPlanByEmail(account.email, 'payg');
  const { key } = await createKey(api, account.token);
  return { ...account, key };
}

describe('Free: 30 searches a UTC day', () => {
  it('answers the 31st and later with 402 SEARCH_LIMIT_EXCEEDED (limit, used) at no cost, however many race', async () => {
    freezeAt('2031-03-04T12:00:00.000Z');
    await search((await freeAccount()).key); // opens the search index, so the race below is about the quota
    const { key } = await freeAccount();

    const raced = await Promise.all(Array.from({ length: 36 }, () => search(key)));
    // A search the index cannot answer in time (503) gives its unit back; a client tries it again.
    const retried: ApiResponse[] = [];
    for (let unavailable = raced.filter((response) => response.status === 503).length; unavailable > 0; unavailable -= 1) retried.push(await search(key));

    const responses = [...raced, ...retried];
    const granted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 402);
    expect(granted).toHaveLength(30);
    expect(responses.filter((response) => ![200, 402, 503].includes(response.status))).toEqual([]);
    expect(refused.map((response) => errorOf(response))).toEqual(
      refused.map(() => expect.objectContaining({ code: 'SEARCH_LIMIT_EXCEEDED', limit: 30, used: 30 })),
    );
    expect(granted[0]?.body.data).toEqual([]);
    expect((await usage(key)).usage).toMatchObject({ searches_today: 30, search_quota: 30 });
    expect((await usage(key)).credits_micros).toBe(TRIAL);
  });

  it('counts a new UTC day afresh once the scheduled handler has run after midnight, and only once', async () => {
    freezeAt('2031-05-10T23:50:00.000Z');
    // The file's scheduler has run for this day: the next tick that sees a new day runs the handler.
    await api.runtime().scheduler.tick();
    const { key } = await freeAccount();
    for (let index = 0; index < 30; index += 1) expect((await search(key)).status).toBe(200);
    const lastBeforeMidnight = await search(key);

    freezeAt('2031-05-11T00:00:05.000Z');
    const firstTick = await api.runtime().scheduler.tick();
    const firstAfterMidnight = await search(key);
    const secondTick = await api.runtime().scheduler.tick();

    expect(errorOf(lastBeforeMidnight).code).toBe('SEARCH_LIMIT_EXCEEDED');
    expect([firstTick, secondTick]).toEqual(['ran', 'not_due']);
    expect(firstAfterMidnight.status).toBe(200);
    expect((await usage(key)).usage.searches_today).toBe(1);
  });

  it('keeps counting right when the schedule is late: the day is new at midnight, and the late run takes nothing back', async () => {
    freezeAt('2031-07-20T23:30:00.000Z');
    await api.runtime().scheduler.tick();
    const { key } = await freeAccount();
    for (let index = 0; index < 30; index += 1) await search(key);

    freezeAt('2031-07-21T00:00:01.000Z');
    const beforeTheRun = await Promise.all(Array.from({ length: 5 }, () => search(key)));
    freezeAt('2031-07-21T02:10:00.000Z');
    const lateTick = await api.runtime().scheduler.tick();

    expect(beforeTheRun.map((response) => response.status)).toEqual(Array(5).fill(200));
    expect(lateTick).toBe('ran');
    expect((await usage(key)).usage.searches_today).toBe(5);
  });

  it('charges nothing for a search refused before it runs (validation) or that fails (SEARCH_UNAVAILABLE gives the unit back)', async () => {
    freezeAt('2031-03-06T12:00:00.000Z');
    const { key } = await freeAccount();

    const invalid = await api.post('/v1/search', { token: key, body: { query: 'x', per_page: 51 } });
    armFault('search_index_unavailable');
    const unavailable = await search(key);

    expect([invalid.status, unavailable.status]).toEqual([422, 503]);
    expect((await usage(key)).usage.searches_today).toBe(0);
  });
});

describe('pay as you go: $0.001 a search from the credit', () => {
  it('charges a search over an account with nothing indexed, with a ledger row', async () => {
    const { key, token } = await paygAccount();

    const response = await search(key);
    const rows = list((await api.get('/v1/billing/transactions', { token })).body.data);

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([]);
    expect((await usage(key)).credits_micros).toBe(TRIAL - SEARCH_PRICE);
    expect(rows[0]).toMatchObject({ type: 'search', amount_micros: -SEARCH_PRICE, balance_after_micros: TRIAL - SEARCH_PRICE });
  });

  it('answers 402 INSUFFICIENT_CREDITS once the balance cannot pay, charging nothing and writing no row', async () => {
    const { key, token, accountId } = await paygAccount();
    await debit(accountId, TRIAL - SEARCH_PRICE / 2, 'search', 'test: leave half a search');
    const rowsBefore = (await api.get('/v1/billing/transactions', { token })).body.meta.total;

    const response = await search(key);

    expect(response.status).toBe(402);
    expect(errorOf(response)).toMatchObject({ code: 'INSUFFICIENT_CREDITS' });
    expect((await usage(key)).credits_micros).toBe(SEARCH_PRICE / 2);
    expect((await api.get('/v1/billing/transactions', { token })).body.meta.total).toBe(rowsBefore);
  });

  it('gives a failed search back as the credit that paid it: trial credit stays trial credit and expires with the trial', async () => {
    const { key, email } = await paygAccount();
    armFault('search_index_unavailable');

    const unavailable = await search(key);
    disarmFault('search_index_unavailable');
    const afterGiveBack = (await usage(key)).credits_micros;
    useClock({ now: () => new Date(Date.now() + 15 * DAY) });
    await api.runtime().scheduler.tick();
    const afterTrial = (await usage(await logIn(email))).credits_micros;

    expect(unavailable.status).toBe(503);
    expect(afterGiveBack).toBe(TRIAL);
    // Had the give-back come back as lasting credit, $0.001 would have outlived the trial.
    expect(afterTrial).toBe(0);
  });
});
