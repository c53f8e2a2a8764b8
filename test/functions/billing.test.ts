import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKey, errorOf, list, PASSWORD, signUp, useTestApi, type Json } from '#test/support/api';
import { useClock, useSystemClock } from '#lib/clock';
import { credit, debit } from '#lib/billing/ledger';
import { runDailyMaintenance } from '#lib/schedules/daily';
import { AppError } from '#lib/errors';
import { grantCreditsByEmail, setPlanByEmail } from '#lib/billing/admin';

// Storage is reserved by declaring big uploads whose bytes never come: one presigned PUT each, rather
// than thousands of presigned parts at the suite's small part size. Hoisted: before configuration is read.
vi.hoisted(() => {
  process.env.FRAMESEEK_SINGLE_PUT_MAX_BYTES = String(5_000_000_000);
});
const api = useTestApi();
const DAY = 24 * 60 * 60 * 1000;
const TRIAL_MICROS = 5_000_000;

afterEach(() => useSystemClock());

function travel(offsetMs: number): void {
  useClock({ now: () => new Date(Date.now() + offsetMs) });
}

async function transactionsOf(token: string, query = ''): Promise<{ rows: Json[]; meta: Json }> {
  const response = await api.get(`/v1/billing/transactions${query}`, { token });
  if (response.status !== 200) throw new Error(`transactions: ${response.status} ${response.text}`);
  return { rows: list(response.body.data), meta: response.body.meta };
}

async function balanceOf(token: string): Promise<number> {
  return Number((await api.get('/v1/billing', { token })).body.data.credits_micros);
}

/** Sessions last 7 days at most: after a long jump in time a user signs in again. */
async function logIn(email: string): Promise<string> {
  const response = await api.post('/v1/auth/login', { body: { email, password: PASSWORD } });
  return String(response.body.data.session.token);
}

describe('trial credit on sign-up', () => {
  it('shows $5 of credit, explained by one trial_credit transaction', async () => {
    const { token } = await signUp(api);

    const account = await api.get('/v1/account', { token });
    const { rows, meta } = await transactionsOf(token);

    expect(account.body.data.credits_micros).toBe(TRIAL_MICROS);
    expect(rows).toEqual([
      {
        id: expect.stringMatching(/^txn_[0-9a-z]{26}$/),
        type: 'trial_credit',
        amount_micros: TRIAL_MICROS,
        balance_after_micros: TRIAL_MICROS,
        description: expect.stringContaining('Trial credit'),
        created_at: account.body.data.created_at,
      },
    ]);
    expect(meta).toMatchObject({ total: 1, page: 1, per_page: 20 });
  });
});

describe('GET /v1/billing', () => {
  it('answers the plan and balance, with no payment method and auto top-up off', async () => {
    const { token } = await signUp(api);

    const response = await api.get('/v1/billing', { token });

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      plan: 'free',
      credits_micros: TRIAL_MICROS,
      suspended: false,
      payment_method: null,
      auto_topup: { enabled: false, threshold_micros: 0, amount_micros: 0 },
    });
  });

  it('takes a session only: an API key is FORBIDDEN on every billing route', async () => {
    const { token } = await signUp(api);
    const { key } = await createKey(api, token);

    const billing = await api.get('/v1/billing', { token: key });
    const transactions = await api.get('/v1/billing/transactions', { token: key });

    expect([billing.status, transactions.status]).toEqual([403, 403]);
    expect([errorOf(billing).code, errorOf(transactions).code]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });
});

describe('GET /v1/billing/transactions', () => {
  it('pages through the ledger newest first, with the total', async () => {
    const { token, accountId } = await signUp(api);
    for (const micros of [1_000, 2_000, 3_000, 4_000]) await credit(accountId, micros, 'grant', `grant of ${micros}`);

    const first = await transactionsOf(token, '?per_page=2');
    const second = await transactionsOf(token, '?page=2&per_page=2');
    const last = await transactionsOf(token, '?page=3&per_page=2');
    const beyond = await transactionsOf(token, '?page=4&per_page=2');

    expect(first.rows.map((row) => row.amount_micros)).toEqual([4_000, 3_000]);
    expect(second.rows.map((row) => row.amount_micros)).toEqual([2_000, 1_000]);
    expect(last.rows.map((row) => row.type)).toEqual(['trial_credit']);
    expect(beyond.rows).toEqual([]);
    expect(second.meta).toMatchObject({ total: 5, page: 2, per_page: 2 });
    expect(first.rows[0]).toMatchObject({ type: 'grant', balance_after_micros: TRIAL_MICROS + 10_000, description: 'grant of 4000' });
  });

  it('refuses pages out of range and unknown query parameters', async () => {
    const { token } = await signUp(api);

    const tooMany = await api.get('/v1/billing/transactions?per_page=101', { token });
    const unknown = await api.get('/v1/billing/transactions?type=grant', { token });

    expect([tooMany.status, unknown.status]).toEqual([422, 422]);
    expect(errorOf(tooMany).fields).toEqual([expect.objectContaining({ path: 'per_page' })]);
    expect(errorOf(unknown).code).toBe('VALIDATION_ERROR');
  });

  it("shows an account its own ledger only, never another account's", async () => {
    const alice = await signUp(api);
    const bob = await signUp(api);
    await credit(alice.accountId, 750_000, 'grant', 'for alice');

    const aliceRows = (await transactionsOf(alice.token)).rows;
    const bobRows = (await transactionsOf(bob.token)).rows;

    expect(aliceRows.map((row) => row.type)).toEqual(['grant', 'trial_credit']);
    expect(bobRows.map((row) => row.type)).toEqual(['trial_credit']);
    expect(bobRows.map((row) => row.id)).not.toContain(aliceRows[0]?.id);
    expect(await balanceOf(bob.token)).toBe(TRIAL_MICROS);
  });
});

describe('trial expiry (daily maintenance)', () => {
  it('takes back the unused trial credit once, 14 days after sign-up', async () => {
    const { email } = await signUp(api);

    travel(15 * DAY);
    const firstTick = await api.runtime().scheduler.tick();
    const secondTick = await api.runtime().scheduler.tick();
    const token = await logIn(email);
    const balance = await balanceOf(token);
    const { rows } = await transactionsOf(token);

    expect([firstTick, secondTick]).toEqual(['ran', 'not_due']);
    expect(balance).toBe(0);
    expect(rows).toEqual([
      expect.objectContaining({ type: 'trial_expiry', amount_micros: -TRIAL_MICROS, balance_after_micros: 0 }),
      expect.objectContaining({ type: 'trial_credit', amount_micros: TRIAL_MICROS }),
    ]);
  });

  it('changes nothing when the daily run repeats on the same day', async () => {
    const { email } = await signUp(api);
    travel(15 * DAY);
    const firstRun = await runDailyMaintenance();
    const token = await logIn(email);
    const ledgerAfterFirst = (await transactionsOf(token)).rows;

    const secondRun = await runDailyMaintenance();

    expect(firstRun.expired_trials).toBeGreaterThanOrEqual(1);
    expect(secondRun.expired_trials).toBe(0);
    expect((await transactionsOf(token)).rows).toEqual(ledgerAfterFirst);
    expect(await balanceOf(token)).toBe(0);
  });

  it('leaves a trial alone until its day', async () => {
    const { email } = await signUp(api);

    travel(13 * DAY);
    await runDailyMaintenance();
    const token = await logIn(email);

    expect(await balanceOf(token)).toBe(TRIAL_MICROS);
    expect((await transactionsOf(token)).rows.map((row) => row.type)).toEqual(['trial_credit']);
  });

  it('spends trial credit first, so granted credit outlives the trial', async () => {
    const { email, accountId } = await signUp(api);
    await credit(accountId, 1_000_000, 'grant', 'support gesture');
    await debit(accountId, 2_000_000, 'search', 'searches');

    travel(15 * DAY);
    await runDailyMaintenance();
    const token = await logIn(email);

    expect(await balanceOf(token)).toBe(1_000_000);
    expect((await transactionsOf(token)).rows[0]).toMatchObject({ type: 'trial_expiry', amount_micros: -3_000_000, balance_after_micros: 1_000_000 });
  });
});

describe('the ledger under concurrency', () => {
  it('lets exactly as many debits through as the balance covers, and never goes below zero', async () => {
    const { token, accountId } = await signUp(api);

    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, index) => debit(accountId, 300_000, 'search', `search ${index}`)));

    const refusals: unknown[] = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(16);
    expect(refusals.map((reason) => (reason instanceof AppError ? reason.code : String(reason)))).toEqual(
      Array.from({ length: 4 }, () => 'INSUFFICIENT_CREDITS'),
    );
    expect(await balanceOf(token)).toBe(200_000);
    const oldestFirst = (await transactionsOf(token, '?per_page=100')).rows.reverse();
    expect(oldestFirst).toHaveLength(17);
    expect(oldestFirst.reduce((sum, row) => sum + Number(row.amount_micros), 0)).toBe(200_000);
    // Each row's balance follows from the one before: no write was lost or counted twice.
    oldestFirst.forEach((row, index) => {
      const before = index === 0 ? 0 : Number(oldestFirst[index - 1]?.balance_after_micros);
      expect(Number(row.balance_after_micros)).toBe(before + Number(row.amount_micros));
      expect(Number(row.balance_after_micros)).toBeGreaterThanOrEqual(0);
    });
  });
});

describe('storage accrual on pay as you go (daily maintenance)', () => {
  const GB_2_5 = 2_500_000_000;
  /** plans.md: ceil(storage_bytes × 2 000 / 10⁹) a day. */
  const PER_DAY = Math.ceil((GB_2_5 * 2_000) / 1e9);
  const HOLD = 250 * 38_000;

  function freezeAt(iso: string): void {
    useClock({ now: () => new Date(iso) });
  }

  /** An account on `plan` holding `bytes` (an upload declared that big reserves them). */
  async function storing(plan: 'free' | 'payg', bytes = GB_2_5): Promise<{ token: string; email: string; accountId: string }> {
    const { token, email, accountId } = await signUp(api);
    if (plan === 'payg') await setPlanByEmail(email, 'payg');
    await grantCreditsByEmail(email, 20_000_000);
    const collection = await api.post('/v1/collections', { token, body: { name: 'stored' } });
    const upload = await api.post('/v1/uploads', {
      token,
      body: { collection_id: collection.body.data.id, filename: 'big.mp4', size_bytes: bytes, content_type: 'video/mp4' },
    });
    if (upload.status !== 201) throw new Error(`upload: ${upload.status} ${upload.text}`);
    return { token, email, accountId };
  }

  const storageRows = async (token: string) => (await transactionsOf(token, '?per_page=100')).rows.filter((row) => String(row.type) === 'storage');

  it('charges the day that ended once, however often the run repeats, and a late run catches up the days it missed', async () => {
    freezeAt('2032-01-10T09:00:00.000Z');
    const payg = await storing('payg');
    // Free storage is not charged (its plan allows 500 MB).
    const free = await storing('free', 400_000_000);
    const before = await balanceOf(payg.token);

    freezeAt('2032-01-11T00:00:30.000Z');
    const ticks = [await api.runtime().scheduler.tick(), await api.runtime().scheduler.tick()];
    const repeated = await runDailyMaintenance();
    const token = await logIn(payg.email);
    const afterFirstDay = await balanceOf(token);
    const firstDayRows = await storageRows(token);
    freezeAt('2032-01-13T00:05:00.000Z');
    const lateTick = await api.runtime().scheduler.tick();

    expect(ticks).toEqual(['ran', 'not_due']);
    expect(repeated.storage_days_charged).toBe(0);
    expect(before).toBe(TRIAL_MICROS + 20_000_000 - HOLD);
    expect(afterFirstDay).toBe(before - PER_DAY);
    expect(firstDayRows).toEqual([
      expect.objectContaining({ amount_micros: -PER_DAY, balance_after_micros: before - PER_DAY, description: expect.stringContaining('2032-01-10') }),
    ]);
    expect(lateTick).toBe('ran');
    expect((await storageRows(await logIn(payg.email))).map((row) => [row.amount_micros, String(row.description).slice(0, 21)])).toEqual([
      [-PER_DAY, 'Storage on 2032-01-12'],
      [-PER_DAY, 'Storage on 2032-01-11'],
      [-PER_DAY, 'Storage on 2032-01-10'],
    ]);
    expect(await storageRows(await logIn(free.email))).toEqual([]);
  });

  it('takes what is left when the balance cannot pay the day, and never goes below zero', async () => {
    freezeAt('2032-02-01T10:00:00.000Z');
    await api.runtime().scheduler.tick();
    const { token, email, accountId } = await storing('payg');
    await debit(accountId, (await balanceOf(token)) - 3_000, 'search', 'test: leave 3 000');

    freezeAt('2032-02-02T00:00:10.000Z');
    await api.runtime().scheduler.tick();
    const session = await logIn(email);

    expect(await balanceOf(session)).toBe(0);
    expect(await storageRows(session)).toEqual([
      expect.objectContaining({ amount_micros: -3_000, balance_after_micros: 0, description: expect.stringContaining('the balance ran out') }),
    ]);
  });
});
