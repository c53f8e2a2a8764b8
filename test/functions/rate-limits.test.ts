import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKey, errorOf, PASSWORD, useTestApi } from '#test/support/api';
import { useClock, useSystemClock } from '#lib/clock';
import { setPlanByEmail } from '#lib/billing/admin';

// This file runs with the plans table's real rate limits (the rest of the suite raises them), except the daily
// trial credits per address (its many sign-ups spend credit; test/functions/signup-trial.test.ts tests that cap);
// hoisted, so it happens before the imports above parse the configuration.
vi.hoisted(() => {
  process.env.FRAMESEEK_PLAN_OVERRIDES = JSON.stringify({ rate_limits: { trial_credits_per_ip_per_day: 100_000 } });
});
const api = useTestApi();

/** All requests of a test land in one fixed window: the clock stands still at the window's start. */
function freezeAtWindowStart(minutesAhead: number): void {
  const start = (Math.floor(Date.now() / 60_000) + minutesAhead) * 60_000;
  useClock({ now: () => new Date(start + 1_000) });
}
afterEach(() => useSystemClock());

async function signUpAt(minutesAhead: number): Promise<string> {
  freezeAtWindowStart(minutesAhead);
  const response = await api.post('/v1/auth/signup', { body: { email: `rl-${Date.now()}-${Math.random()}@example.com`, password: PASSWORD } });
  return String(response.body.data.session.token);
}

describe('rate limits (plans.md: per account, per group, fixed 60 s windows)', () => {
  it('allows 30 collection writes a minute, then answers 429 with Retry-After, and headers throughout', async () => {
    const token = await signUpAt(10);
    const statuses: number[] = [];
    let last;

    for (let index = 0; index < 31; index += 1) {
      last = await api.post('/v1/collections', { token, body: { name: `c${index}` } });
      statuses.push(last.status);
    }

    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(201));
    expect(last?.status).toBe(429);
    expect(last && errorOf(last)).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', retry_after: 59, limit: 30 });
    expect(last?.headers.get('retry-after')).toBe('59');
    expect(last?.headers.get('x-ratelimit-limit')).toBe('30');
    expect(last?.headers.get('x-ratelimit-remaining')).toBe('0');
    const read = await api.get('/v1/collections', { token });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-ratelimit-limit')).toBe('100');
    expect(read.headers.get('x-ratelimit-remaining')).toBe('99');
    expect(read.headers.get('x-ratelimit-reset')).toBe('59');
  });

  it('counts all keys and sessions of an account together, and starts afresh in the next window', async () => {
    const token = await signUpAt(20);
    const { key } = await createKey(api, token);
    for (let index = 0; index < 15; index += 1) await api.post('/v1/collections', { token, body: { name: `s${index}` } });
    for (let index = 0; index < 15; index += 1) await api.post('/v1/collections', { token: key, body: { name: `k${index}` } });

    const overBySession = await api.post('/v1/collections', { token, body: { name: 'one more' } });
    freezeAtWindowStart(21);
    const nextWindow = await api.post('/v1/collections', { token: key, body: { name: 'next minute' } });

    expect(overBySession.status).toBe(429);
    expect(nextWindow.status).toBe(201);
  });

  it('limits sign-ups per source address (30 a minute)', async () => {
    freezeAtWindowStart(30);
    const statuses: number[] = [];

    for (let index = 0; index < 31; index += 1) {
      const response = await api.post('/v1/auth/signup', { body: { email: `ip-${Date.now()}-${index}@example.com`, password: PASSWORD } });
      statuses.push(response.status);
    }

    expect(statuses.filter((status) => status === 201)).toHaveLength(30);
    expect(statuses.at(-1)).toBe(429);
  });

  it('limits logins per email (10 a minute), wrong passwords included', async () => {
    const email = `target-${Date.now()}@example.com`;
    freezeAtWindowStart(40);
    await api.post('/v1/auth/signup', { body: { email, password: PASSWORD } });
    const statuses: number[] = [];

    for (let index = 0; index < 10; index += 1) statuses.push((await api.post('/v1/auth/login', { body: { email, password: 'wrong password guess' } })).status);
    const rightPassword = await api.post('/v1/auth/login', { body: { email, password: PASSWORD } });

    expect(statuses.filter((status) => status === 401)).toHaveLength(9);
    expect(statuses.at(-1)).toBe(429);
    expect(rightPassword.status).toBe(429);
    expect(errorOf(rightPassword).code).toBe('RATE_LIMIT_EXCEEDED');
  });

  it('refuses the 31st search in a minute with 429 whatever else is wrong with it, at no cost and not remembered', async () => {
    // Pay as you go: each admitted search takes $0.001, so a refused one taking anything shows in the balance.
    freezeAtWindowStart(60);
    const email = `rl-search-${Date.now()}@example.com`;
    const signedUp = await api.post('/v1/auth/signup', { body: { email, password: PASSWORD } });
    const token = String(signedUp.body.data.session.token);
    await setPlanByEmail(email, 'payg');
    const { key } = await createKey(api, token);
    const before = Number((await api.get('/v1/account', { token })).body.data.credits_micros);
    const admitted = [];
    for (let index = 0; index < 30; index += 1) admitted.push(await api.post('/v1/search', { token: key, body: { query: `admitted question ${index}` } }));

    const refused = [
      await api.post('/v1/search', { token: key, body: { query: 'refused question' } }),
      await api.post('/v1/search', { token: key, body: { query: 'refused question', per_page: 0 } }),
      await api.post('/v1/search', { token: key, body: { query: 'refused question', collection_id: 'col_00000000000000000000000000' } }),
      await api.post('/v1/search', { token: key, body: { modes: ['video'] } }),
    ];

    expect(admitted.map((response) => response.status)).toEqual(Array(30).fill(200));
    expect(admitted[0]?.headers.get('x-ratelimit-remaining')).toBe('29');
    expect(refused.map((response) => [response.status, errorOf(response).code])).toEqual(Array(4).fill([429, 'RATE_LIMIT_EXCEEDED']));
    expect(refused[0]?.headers.get('retry-after')).toBe('59');
    expect(refused[0]?.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number((await api.get('/v1/account', { token })).body.data.credits_micros)).toBe(before - 30 * 1_000);
    freezeAtWindowStart(61);
    const remembered = await api.post('/v1/search/suggest', { token: key, body: { prefix: 'refused q' } });
    const rememberedAdmitted = await api.post('/v1/search/suggest', { token: key, body: { prefix: 'admitted question 29' } });
    expect(remembered.status).toBe(200);
    expect(remembered.body.data).toEqual([]);
    expect(rememberedAdmitted.body.data).toEqual([{ text: 'admitted question 29', source: 'history' }]);
  });

  it('checks the credential before the limit (errors.md order): a bad key is 401, not 429', async () => {
    freezeAtWindowStart(50);

    const response = await api.get('/v1/collections', { token: `fsk_${'Z'.repeat(43)}` });

    expect(response.status).toBe(401);
  });
});
