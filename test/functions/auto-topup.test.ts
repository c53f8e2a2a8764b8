import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKey, errorOf, list, PASSWORD, signUp, type ApiResponse, type Json } from '#test/support/api';
import { useTestApiWithStripe } from '#test/support/stripe';
import type { TestCardToken } from '#infra/local/stripe-standin';

/**
 * Auto top-up (plans.md, Credits): once on, a debit that takes the balance below the threshold
 * charges the saved card off-session for the set amount — once per crossing, however many debits
 * race — and the credit lands as a `topup` row through the same once-only path as every payment.
 * The real Stripe SDK talks to the local stand-in; lib/ is imported only inside tests (see
 * test/support/stripe.ts: the Stripe settings must be in place before configuration is read).
 */
// Storage is reserved by declaring big uploads whose bytes never come: one presigned PUT each, rather
// than thousands of presigned parts at the suite's small part size. Hoisted: before configuration is read.
vi.hoisted(() => {
  process.env.FRAMESEEK_SINGLE_PUT_MAX_BYTES = String(5_000_000_000);
});
const { api, stripe } = useTestApiWithStripe();

const TRIAL = 5_000_000;
const BOUGHT = 20_000_000;
const SEARCH = 1_000;
const AUTO_AMOUNT = 10_000_000;

afterEach(async () => {
  const { useSystemClock } = await import('#lib/clock');
  const { disarmFault } = await import('#lib/faults');
  useSystemClock();
  disarmFault('auto_topup_dispatch_lost');
  stripe().reportPaymentIntents('never');
});

interface Customer {
  token: string;
  key: string;
  accountId: string;
  email: string;
}

/** Signed up, $20 bought with Checkout (the card is saved), on pay as you go, with an API key for searching. */
async function paygCustomer(card: TestCardToken = 'pm_card_visa'): Promise<Customer> {
  const account = await signUp(api);
  const checkout = await api.post('/v1/billing/checkout', { token: account.token, body: { amount_micros: BOUGHT } });
  await stripe().completeCheckout(stripe().checkoutSessionAt(String(checkout.body.data.url)).id, card);
  const plan = await api.post('/v1/billing/plan', { token: account.token, body: { plan: 'payg' } });
  if (plan.status !== 200) throw new Error(`plan: ${plan.status} ${plan.text}`);
  const { key } = await createKey(api, account.token);
  return { ...account, key };
}

async function enableAutoTopUp(customer: Customer, thresholdMicros: number): Promise<void> {
  const response = await api.put('/v1/billing/auto_topup', {
    token: customer.token,
    body: { enabled: true, threshold_micros: thresholdMicros, amount_micros: AUTO_AMOUNT },
  });
  if (response.status !== 200) throw new Error(`auto_topup: ${response.status} ${response.text}`);
}

async function billingOf(customer: Customer): Promise<Json> {
  return (await api.get('/v1/billing', { token: customer.token })).body.data;
}

async function autoTopUpRows(customer: Customer): Promise<Json[]> {
  const rows = list((await api.get('/v1/billing/transactions?per_page=100', { token: customer.token })).body.data);
  return rows.filter((row) => String(row.type) === 'topup' && String(row.description).startsWith('Auto top-up'));
}

function autoTopUpCharges(customer: Customer) {
  return stripe()
    .paymentIntents()
    .filter((intent) => intent.metadata.account_id === customer.accountId && intent.metadata.purpose === 'auto_topup');
}

function search(customer: Customer): Promise<ApiResponse> {
  return api.post('/v1/search', { token: customer.key, body: { query: 'anything', modes: ['transcript'] } });
}

/** The charge runs after the crossing's answer: waits until `done` holds (or fails after a while). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Time enough for a second, wrong charge to show up if one were coming. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe('auto top-up', () => {
  it('charges the saved card once when racing debits cross the threshold, and credits it with a ledger row', async () => {
    const customer = await paygCustomer();
    const start = TRIAL + BOUGHT;
    // Five searches stay at or above the threshold; the sixth crosses it.
    await enableAutoTopUp(customer, start - 5 * SEARCH - 500);

    const responses = await Promise.all(Array.from({ length: 20 }, () => search(customer)));
    const rows = await eventually(
      () => autoTopUpRows(customer),
      (found) => found.length > 0,
    );
    await settle();

    const charged = responses.filter((response) => response.status === 200).length;
    expect(responses.filter((response) => ![200, 503].includes(response.status))).toEqual([]);
    expect(autoTopUpCharges(customer)).toEqual([expect.objectContaining({ amount: AUTO_AMOUNT / 10_000, currency: 'usd', status: 'succeeded' })]);
    expect(await autoTopUpRows(customer)).toEqual([expect.objectContaining({ amount_micros: AUTO_AMOUNT, description: 'Auto top-up ($10.00)' })]);
    expect(rows).toHaveLength(1);
    expect(await billingOf(customer)).toMatchObject({
      credits_micros: start - charged * SEARCH + AUTO_AMOUNT,
      auto_topup: { enabled: true, threshold_micros: start - 5 * SEARCH - 500, amount_micros: AUTO_AMOUNT },
    });
    expect((await billingOf(customer)).auto_topup).not.toHaveProperty('last_error');
  });

  it('charges again at the next crossing, once the first top-up has landed', async () => {
    const customer = await paygCustomer();
    await enableAutoTopUp(customer, TRIAL + BOUGHT - 1_500);
    await search(customer);
    await search(customer);
    await eventually(
      () => autoTopUpRows(customer),
      (found) => found.length === 1,
    );
    const afterFirst = Number((await billingOf(customer)).credits_micros);

    await enableAutoTopUp(customer, afterFirst - 1_500);
    await search(customer);
    await search(customer);
    await eventually(
      () => autoTopUpRows(customer),
      (found) => found.length === 2,
    );
    await settle();

    expect(autoTopUpCharges(customer)).toHaveLength(2);
    expect(await autoTopUpRows(customer)).toHaveLength(2);
    expect((await billingOf(customer)).credits_micros).toBe(afterFirst - 2 * SEARCH + AUTO_AMOUNT);
  });

  it('credits once when Stripe reports the charge before the charger has credited it', async () => {
    const customer = await paygCustomer();
    await enableAutoTopUp(customer, TRIAL + BOUGHT - 500);
    stripe().reportPaymentIntents('before_responding');

    await search(customer);
    await eventually(
      () => autoTopUpRows(customer),
      (found) => found.length > 0,
    );
    await settle();

    expect(autoTopUpCharges(customer)).toHaveLength(1);
    expect(await autoTopUpRows(customer)).toHaveLength(1);
    expect((await billingOf(customer)).credits_micros).toBe(TRIAL + BOUGHT - SEARCH + AUTO_AMOUNT);
  });

  it('switches itself off with PAYMENT_FAILED in GET /v1/billing when the card is declined, adding nothing', async () => {
    const customer = await paygCustomer('pm_card_chargeDeclined');
    await enableAutoTopUp(customer, TRIAL + BOUGHT - 500);

    await search(customer);
    const billing = await eventually(
      () => billingOf(customer),
      (found) => String(found.auto_topup.enabled) === 'false',
    );
    await search(customer);
    await settle();

    expect(billing.auto_topup).toEqual({
      enabled: false,
      threshold_micros: TRIAL + BOUGHT - 500,
      amount_micros: AUTO_AMOUNT,
      last_error: { code: 'PAYMENT_FAILED', message: expect.stringMatching(/visa card ending in 0002 was declined/), failed_at: expect.any(String) },
    });
    expect(autoTopUpCharges(customer)).toHaveLength(1);
    expect(await autoTopUpRows(customer)).toEqual([]);
    expect((await billingOf(customer)).credits_micros).toBe(TRIAL + BOUGHT - 2 * SEARCH);
    // Switching it on again clears the failure.
    await enableAutoTopUp(customer, 0);
    expect((await billingOf(customer)).auto_topup).not.toHaveProperty('last_error');
  });

  it('is charged by the daily run when the process stopped before handing the request on; an upload hold crosses too', async () => {
    const { armFault, disarmFault } = await import('#lib/faults');
    const { useClock } = await import('#lib/clock');
    const customer = await paygCustomer();
    const collection = await api.post('/v1/collections', { token: customer.key, body: { name: 'big' } });
    // 250 estimated minutes: $9.50 held at upload creation.
    const hold = 250 * 38_000;
    await enableAutoTopUp(customer, TRIAL + BOUGHT - hold + 1);
    armFault('auto_topup_dispatch_lost');

    const upload = await api.post('/v1/uploads', {
      token: customer.key,
      body: { collection_id: collection.body.data.id, filename: 'big.mp4', size_bytes: 2_500_000_000, content_type: 'video/mp4' },
    });
    disarmFault('auto_topup_dispatch_lost');
    await settle();
    const chargesBeforeRun = autoTopUpCharges(customer).length;
    useClock({ now: () => new Date(Date.now() + 60 * 60 * 1000 + 24 * 60 * 60 * 1000) });
    const tick = await api.runtime().scheduler.tick();
    const token = String((await api.post('/v1/auth/login', { body: { email: customer.email, password: PASSWORD } })).body.data.session.token);

    expect(upload.status).toBe(201);
    expect(chargesBeforeRun).toBe(0);
    expect(tick).toBe('ran');
    expect(autoTopUpCharges(customer)).toHaveLength(1);
    expect(await autoTopUpRows({ ...customer, token })).toEqual([expect.objectContaining({ amount_micros: AUTO_AMOUNT })]);
  });

  it('answers PAYMENT_METHOD_REQUIRED to switching it on without a card', async () => {
    const { token } = await signUp(api);

    const response = await api.put('/v1/billing/auto_topup', { token, body: { enabled: true, threshold_micros: 1_000_000, amount_micros: AUTO_AMOUNT } });

    expect([response.status, errorOf(response).code]).toEqual([402, 'PAYMENT_METHOD_REQUIRED']);
  });
});
