import { describe, expect, it } from 'vitest';
import { errorOf, list, signUp, type Json } from '#test/support/api';
import { useTestApiWithStripe } from '#test/support/stripe';

// Stripe settings point at the local stand-in; nothing from lib/ is imported at the top, so they are in place
// before the runtime reads its configuration (lib/ modules are imported inside tests, once it runs).
const { api, stripe } = useTestApiWithStripe();

const TRIAL_MICROS = 5_000_000;

async function billingOf(token: string): Promise<Json> {
  const response = await api.get('/v1/billing', { token });
  if (response.status !== 200) throw new Error(`billing: ${response.status} ${response.text}`);
  return response.body.data;
}

async function ledgerOf(token: string, type: string): Promise<Json[]> {
  const response = await api.get('/v1/billing/transactions?per_page=100', { token });
  return list(response.body.data).filter((row) => String(row.type) === type);
}

/** A signed-up account that bought $20 with Checkout (so it has a saved card), and that payment's PaymentIntent. */
async function accountWithPayment(): Promise<{ token: string; accountId: string; paymentIntentId: string }> {
  const account = await signUp(api);
  const checkout = await api.post('/v1/billing/checkout', { token: account.token, body: { amount_micros: 20_000_000 } });
  const session = stripe().checkoutSessionAt(String(checkout.body.data.url));
  await stripe().completeCheckout(session.id, 'pm_card_visa');
  const paid = stripe().checkoutSessionAt(String(checkout.body.data.url)).payment_intent;
  if (!paid) throw new Error('the Checkout Session was not paid');
  return { ...account, paymentIntentId: paid };
}

function topUpIntentsOf(accountId: string) {
  return stripe()
    .paymentIntents()
    .filter((intent) => intent.metadata.account_id === accountId && intent.metadata.purpose === 'topup');
}

describe('POST /v1/billing/topup with an Idempotency-Key (issue 19 item 11)', () => {
  it('charges the card once when a retry follows an attempt that charged and never answered', async () => {
    const { token, accountId } = await accountWithPayment();
    const headers = { 'idempotency-key': `topup-lost-${Date.now()}` };
    const { armFault, disarmFault } = await import('#lib/faults');

    armFault('topup_answer_lost');
    const lost = await api.post('/v1/billing/topup', { token, headers, body: { amount_micros: 10_000_000 } }).finally(() => disarmFault('topup_answer_lost'));
    const retried = await api.post('/v1/billing/topup', { token, headers, body: { amount_micros: 10_000_000 } });

    expect([lost.status, retried.status]).toEqual([500, 200]);
    expect(topUpIntentsOf(accountId)).toHaveLength(1);
    expect(retried.body.data.credits_micros).toBe(TRIAL_MICROS + 30_000_000);
    expect(await ledgerOf(token, 'topup')).toHaveLength(2);
  });

  it('derives Stripe idempotency keys from the account, the request key and the amount', async () => {
    const { stripeIdempotencyKey } = await import('#lib/billing/payments');

    const base = stripeIdempotencyKey('topup', 'acc_a', 'key-1', 5_000_000);

    expect(base).toMatch(/^frameseek-topup-acc_a-/);
    expect(stripeIdempotencyKey('topup', 'acc_a', 'key-1', 5_000_000)).toBe(base);
    expect(new Set([base, stripeIdempotencyKey('topup', 'acc_b', 'key-1', 5_000_000), stripeIdempotencyKey('topup', 'acc_a', 'key-2', 5_000_000)]).size).toBe(
      3,
    );
    expect(stripeIdempotencyKey('topup', 'acc_a', 'key-1', 6_000_000)).not.toBe(base);
    expect(stripeIdempotencyKey('checkout', 'acc_a', 'key-1', 5_000_000)).not.toBe(base);
    expect(stripeIdempotencyKey('topup', 'acc_a', undefined, 5_000_000)).toBeUndefined();
    expect(String(base).length).toBeLessThanOrEqual(255);
  });
});

describe('refunds and disputes (charge.refunded, charge.dispute.created)', () => {
  it('takes a refund back through the ledger once per event, by the running total Stripe reports', async () => {
    const { token, paymentIntentId } = await accountWithPayment();

    const partial = await stripe().refund(paymentIntentId, 500);
    const redelivered = await stripe().redeliver(partial.event);
    const rest = await stripe().refund(paymentIntentId, 1_500);
    const billing = await billingOf(token);
    const rows = await ledgerOf(token, 'reversal');

    expect([partial.status, redelivered.status, rest.status]).toEqual([200, 200, 200]);
    expect([partial.body, redelivered.body, rest.body].map((body) => JSON.parse(body).outcome)).toEqual(['applied', 'duplicate', 'applied']);
    expect(rows.map((row) => row.amount_micros)).toEqual([-15_000_000, -5_000_000]);
    expect(billing).toMatchObject({ credits_micros: TRIAL_MICROS, suspended: false });
  });

  it('never takes back more than the payment, whether refunded and disputed', async () => {
    const { token, paymentIntentId } = await accountWithPayment();

    await stripe().refund(paymentIntentId, 1_500);
    const dispute = await stripe().dispute(paymentIntentId, 2_000);
    const rows = await ledgerOf(token, 'reversal');

    expect(JSON.parse(dispute.body).outcome).toBe('applied');
    expect(rows.map((row) => row.amount_micros)).toEqual([-5_000_000, -15_000_000]);
    expect((await billingOf(token)).credits_micros).toBe(TRIAL_MICROS);
  });

  it('suspends an account whose dispute takes back credit already spent: indexing and even Free quota searches refused, GET /v1/billing says so, a top-up lifts it', async () => {
    const { token, accountId, paymentIntentId } = await accountWithPayment();
    const collection = await api.post('/v1/collections', { token, body: { name: 'spent' } });
    const upload = { collection_id: collection.body.data.id, filename: 'clip.mp4', size_bytes: 500_000, content_type: 'video/mp4' };
    // $21 of the $25 spent (as indexing would), through the ledger itself.
    const { debit } = await import('#lib/billing/ledger');
    await debit(accountId, 21_000_000, 'indexing', 'Indexing spent before the dispute');
    const spentTo = Number((await billingOf(token)).credits_micros);

    const dispute = await stripe().dispute(paymentIntentId, 2_000);
    const suspended = await billingOf(token);
    const search = await api.post('/v1/search', { token, body: { query: 'anything' } });
    const nextUpload = await api.post('/v1/uploads', { token, body: upload });
    const topUp = await api.post('/v1/billing/topup', { token, body: { amount_micros: 30_000_000 } });
    const lifted = await billingOf(token);

    expect(JSON.parse(dispute.body).outcome).toBe('applied');
    expect(suspended).toMatchObject({ credits_micros: spentTo - 20_000_000, suspended: true });
    expect(spentTo - 20_000_000).toBeLessThan(0);
    expect([search.status, errorOf(search).code]).toEqual([402, 'INSUFFICIENT_CREDITS']);
    expect(errorOf(search).message).toMatch(/suspended/);
    expect([nextUpload.status, errorOf(nextUpload).code]).toEqual([402, 'INSUFFICIENT_CREDITS']);
    expect(topUp.status).toBe(200);
    expect(lifted).toMatchObject({ credits_micros: spentTo + 10_000_000, suspended: false });
  });

  it('ignores a refund of a payment this deployment never credited', async () => {
    const { token } = await signUp(api);

    const delivery = await stripe().sendEvent('charge.refunded', {
      id: 'ch_unknown',
      object: 'charge',
      created: 0,
      amount: 1_000,
      amount_refunded: 1_000,
      refunded: true,
      currency: 'usd',
      customer: null,
      payment_intent: 'pi_never_credited',
      metadata: {},
      livemode: false,
    });

    expect(JSON.parse(delivery.body).outcome).toBe('ignored');
    expect((await billingOf(token)).credits_micros).toBe(TRIAL_MICROS);
  });
});
