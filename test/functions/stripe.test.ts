import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { createKey, errorOf, list, PASSWORD, signUp, type ApiResponse, type Json } from '#test/support/api';
import { stripeWebhookSecret, useTestApiWithStripe } from '#test/support/stripe';
import type { TestCardToken, WebhookDelivery } from '#infra/local/stripe-standin';

// Stripe settings point at the local stand-in; nothing from lib/ is imported here, so they are in
// place before the runtime reads its configuration.
const { api, stripe } = useTestApiWithStripe();

const TRIAL_MICROS = 5_000_000;
const WEBHOOK_PATH = '/v1/billing/stripe-webhook';

async function billingOf(token: string): Promise<Json> {
  const response = await api.get('/v1/billing', { token });
  if (response.status !== 200) throw new Error(`billing: ${response.status} ${response.text}`);
  return response.body.data;
}

async function topUpRows(token: string): Promise<Json[]> {
  const response = await api.get('/v1/billing/transactions?per_page=100', { token });
  return list(response.body.data).filter((row) => String(row.type) === 'topup');
}

/** A person buys credits on the Checkout page with a test card; Stripe then posts the signed event. */
async function buyWithCheckout(token: string, amountMicros: number, card: TestCardToken = 'pm_card_visa'): Promise<WebhookDelivery> {
  const checkout = await api.post('/v1/billing/checkout', { token, body: { amount_micros: amountMicros } });
  if (checkout.status !== 201) throw new Error(`checkout: ${checkout.status} ${checkout.text}`);
  const session = stripe().checkoutSessionAt(String(checkout.body.data.url));
  return stripe().completeCheckout(session.id, card);
}

/** A signed-up account that has bought $20 with Checkout, so it has a saved card. */
async function accountWithCard(card: TestCardToken = 'pm_card_visa'): Promise<{ token: string; accountId: string }> {
  const account = await signUp(api);
  await buyWithCheckout(account.token, 20_000_000, card);
  return account;
}

function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, code: errorOf(response)?.code }).toEqual({ status, code });
}

describe('POST /v1/billing/checkout', () => {
  it('answers 201 with a Checkout page for the amount in cents that saves the card for later', async () => {
    const { token, accountId } = await signUp(api);

    const response = await api.post('/v1/billing/checkout', { token, body: { amount_micros: 12_340_000 } });

    expect(response.status).toBe(201);
    expect(response.body.data).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/c\/pay\/cs_test_/) });
    const session = stripe().checkoutSessionAt(String(response.body.data.url));
    expect(session).toMatchObject({
      mode: 'payment',
      status: 'open',
      amount_total: 1_234,
      currency: 'usd',
      metadata: { account_id: accountId, amount_micros: '12340000' },
      payment_intent_data: { setup_future_usage: 'off_session' },
      success_url: expect.stringMatching(/^https:\/\/console\.frameseek\.test\//),
    });
    expect(
      stripe()
        .customers()
        .filter((customer) => customer.id === session.customer),
    ).toEqual([expect.objectContaining({ metadata: { account_id: accountId } })]);
  });

  it('credits the balance once when Stripe reports the completed checkout, however often it does, and saves the card', async () => {
    const { token } = await signUp(api);

    const first = await buyWithCheckout(token, 20_000_000);
    const retried = await stripe().redeliver(first.event);
    const billing = await billingOf(token);
    const rows = await topUpRows(token);

    expect([first.status, retried.status]).toEqual([200, 200]);
    expect([JSON.parse(first.body), JSON.parse(retried.body)]).toEqual([
      { received: true, outcome: 'applied' },
      { received: true, outcome: 'duplicate' },
    ]);
    expect(billing).toMatchObject({ credits_micros: TRIAL_MICROS + 20_000_000, payment_method: { brand: 'visa', last4: '4242' } });
    expect(rows).toEqual([expect.objectContaining({ type: 'topup', amount_micros: 20_000_000, balance_after_micros: TRIAL_MICROS + 20_000_000 })]);
  });

  it('uses one Stripe customer per account across purchases', async () => {
    const { token, accountId } = await signUp(api);

    await Promise.all([
      api.post('/v1/billing/checkout', { token, body: { amount_micros: 5_000_000 } }),
      api.post('/v1/billing/checkout', { token, body: { amount_micros: 6_000_000 } }),
    ]);
    await buyWithCheckout(token, 7_000_000);

    expect(
      stripe()
        .customers()
        .filter((customer) => customer.metadata.account_id === accountId),
    ).toHaveLength(1);
  });

  it('refuses less than $5 and amounts that are not whole cents (422) before anything reaches Stripe', async () => {
    const { token, accountId } = await signUp(api);

    const belowMinimum = await api.post('/v1/billing/checkout', { token, body: { amount_micros: 4_990_000 } });
    const fractionOfCent = await api.post('/v1/billing/checkout', { token, body: { amount_micros: 5_000_001 } });
    const unknownField = await api.post('/v1/billing/checkout', { token, body: { amount_micros: 5_000_000, currency: 'eur' } });

    expectError(belowMinimum, 422, 'VALIDATION_ERROR');
    expect(errorOf(belowMinimum).fields).toEqual([{ path: 'amount_micros', message: expect.stringContaining('$5.00') }]);
    expectError(fractionOfCent, 422, 'VALIDATION_ERROR');
    expect(errorOf(fractionOfCent).fields).toEqual([{ path: 'amount_micros', message: expect.stringContaining('whole number of cents') }]);
    expectError(unknownField, 422, 'VALIDATION_ERROR');
    expect(
      stripe()
        .customers()
        .some((customer) => customer.metadata.account_id === accountId),
    ).toBe(false);
  });

  it('replays the first answer for a repeated Idempotency-Key, and refuses the key with another body', async () => {
    const { token } = await signUp(api);
    const headers = { 'idempotency-key': `checkout-${Date.now()}` };

    const first = await api.post('/v1/billing/checkout', { token, headers, body: { amount_micros: 8_000_000 } });
    const replay = await api.post('/v1/billing/checkout', { token, headers, body: { amount_micros: 8_000_000 } });
    const otherBody = await api.post('/v1/billing/checkout', { token, headers, body: { amount_micros: 9_000_000 } });

    expect([first.status, replay.status]).toEqual([201, 201]);
    expect(replay.body.data.url).toBe(first.body.data.url);
    expectError(otherBody, 422, 'VALIDATION_ERROR');
  });
});

describe('POST /v1/billing/topup', () => {
  it('answers PAYMENT_METHOD_REQUIRED while no card is saved, charging nothing', async () => {
    const { token, accountId } = await signUp(api);

    const response = await api.post('/v1/billing/topup', { token, body: { amount_micros: 10_000_000 } });

    expectError(response, 402, 'PAYMENT_METHOD_REQUIRED');
    expect(errorOf(response).message).toContain('/v1/billing/checkout');
    expect(
      stripe()
        .paymentIntents()
        .some((intent) => intent.metadata.account_id === accountId),
    ).toBe(false);
    expect((await billingOf(token)).credits_micros).toBe(TRIAL_MICROS);
  });

  it('charges the saved card off-session and credits the balance, with a ledger row', async () => {
    const { token, accountId } = await accountWithCard();

    const response = await api.post('/v1/billing/topup', { token, body: { amount_micros: 15_000_000 } });
    const rows = await topUpRows(token);

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ credits_micros: TRIAL_MICROS + 35_000_000, transaction_id: expect.stringMatching(/^txn_/) });
    expect((await billingOf(token)).credits_micros).toBe(TRIAL_MICROS + 35_000_000);
    expect(rows[0]).toMatchObject({ id: response.body.data.transaction_id, amount_micros: 15_000_000, balance_after_micros: TRIAL_MICROS + 35_000_000 });
    expect(rows).toHaveLength(2);
    expect(
      stripe()
        .paymentIntents()
        .filter((intent) => intent.metadata.account_id === accountId && intent.metadata.purpose === 'topup'),
    ).toEqual([expect.objectContaining({ amount: 1_500, currency: 'usd', status: 'succeeded' })]);
  });

  it('answers PAYMENT_FAILED for a declined card and adds nothing', async () => {
    const { token } = await accountWithCard('pm_card_chargeDeclined');

    const response = await api.post('/v1/billing/topup', { token, body: { amount_micros: 10_000_000 } });

    expectError(response, 402, 'PAYMENT_FAILED');
    expect(errorOf(response).message).toMatch(/visa card ending in 0002 was declined/);
    expect((await billingOf(token)).credits_micros).toBe(TRIAL_MICROS + 20_000_000);
    expect(await topUpRows(token)).toHaveLength(1);
  });

  it('answers PAYMENT_FAILED when the bank wants the cardholder to authenticate, pointing to Checkout', async () => {
    const { token } = await accountWithCard('pm_card_authenticationRequired');

    const response = await api.post('/v1/billing/topup', { token, body: { amount_micros: 10_000_000 } });

    expectError(response, 402, 'PAYMENT_FAILED');
    expect(errorOf(response).message).toMatch(/authentication required.*\/v1\/billing\/checkout/);
    expect(await topUpRows(token)).toHaveLength(1);
  });

  it('credits once when Stripe reports the charge before the top-up has answered', async () => {
    const { token } = await accountWithCard();
    stripe().reportPaymentIntents('before_responding');

    const response = await api.post('/v1/billing/topup', { token, body: { amount_micros: 10_000_000 } }).finally(() => {
      stripe().reportPaymentIntents('never');
    });
    const rows = await topUpRows(token);

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ credits_micros: TRIAL_MICROS + 30_000_000, transaction_id: rows[0]?.id });
    expect(rows.map((row) => row.amount_micros)).toEqual([10_000_000, 20_000_000]);
  });

  it('changes nothing when Stripe reports a top-up that has already been credited', async () => {
    const { token, accountId } = await accountWithCard();
    await api.post('/v1/billing/topup', { token, body: { amount_micros: 10_000_000 } });
    const [intent] = stripe()
      .paymentIntents()
      .filter((candidate) => candidate.metadata.account_id === accountId && candidate.metadata.purpose === 'topup');
    if (!intent) throw new Error('the top-up made no PaymentIntent');

    const delivery = await stripe().sendEvent('payment_intent.succeeded', intent);

    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body)).toEqual({ received: true, outcome: 'duplicate' });
    expect((await billingOf(token)).credits_micros).toBe(TRIAL_MICROS + 30_000_000);
    expect(await topUpRows(token)).toHaveLength(2);
  });

  it('replays a repeated Idempotency-Key without charging the card again', async () => {
    const { token, accountId } = await accountWithCard();
    const headers = { 'idempotency-key': `topup-${Date.now()}` };

    const first = await api.post('/v1/billing/topup', { token, headers, body: { amount_micros: 5_000_000 } });
    const replay = await api.post('/v1/billing/topup', { token, headers, body: { amount_micros: 5_000_000 } });

    expect(replay.body.data).toEqual(first.body.data);
    expect(
      stripe()
        .paymentIntents()
        .filter((intent) => intent.metadata.account_id === accountId && intent.metadata.purpose === 'topup'),
    ).toHaveLength(1);
    expect((await billingOf(token)).credits_micros).toBe(TRIAL_MICROS + 25_000_000);
  });
});

describe('PUT /v1/billing/auto_topup', () => {
  const settings = { enabled: true, threshold_micros: 2_000_000, amount_micros: 10_000_000 };

  it('refuses to switch on without a saved card, and stays off', async () => {
    const { token } = await signUp(api);

    const response = await api.put('/v1/billing/auto_topup', { token, body: settings });

    expectError(response, 402, 'PAYMENT_METHOD_REQUIRED');
    expect((await billingOf(token)).auto_topup).toEqual({ enabled: false, threshold_micros: 0, amount_micros: 0 });
  });

  it('saves the settings once a card is saved, and GET /v1/billing shows them', async () => {
    const { token } = await accountWithCard();

    const response = await api.put('/v1/billing/auto_topup', { token, body: settings });

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual(settings);
    expect((await billingOf(token)).auto_topup).toEqual(settings);
  });

  it('lets an account without a card keep it off, and refuses an amount under $5', async () => {
    const { token } = await signUp(api);

    const off = await api.put('/v1/billing/auto_topup', { token, body: { ...settings, enabled: false } });
    const tooSmall = await api.put('/v1/billing/auto_topup', { token, body: { ...settings, amount_micros: 1_000_000 } });

    expect(off.status).toBe(200);
    expectError(tooSmall, 422, 'VALIDATION_ERROR');
  });
});

describe('POST /v1/billing/plan', () => {
  it('keeps a Free account on Free until a card is saved, then moves it to pay as you go', async () => {
    const { token } = await signUp(api);

    const withoutCard = await api.post('/v1/billing/plan', { token, body: { plan: 'payg' } });
    const planBefore = (await billingOf(token)).plan;
    await buyWithCheckout(token, 5_000_000);
    const withCard = await api.post('/v1/billing/plan', { token, body: { plan: 'payg' } });
    const account = await api.get('/v1/account', { token });

    expectError(withoutCard, 402, 'PAYMENT_METHOD_REQUIRED');
    expect(planBefore).toBe('free');
    expect(withCard.status).toBe(200);
    expect(withCard.body.data).toEqual({ plan: 'payg' });
    expect(account.body.data.plan).toBe('payg');
  });

  it('takes only "payg"', async () => {
    const { token } = await signUp(api);

    const response = await api.post('/v1/billing/plan', { token, body: { plan: 'enterprise' } });

    expectError(response, 422, 'VALIDATION_ERROR');
  });
});

describe('POST /v1/billing/stripe-webhook', () => {
  /** A checkout.session.completed a forger would make for an open session of theirs. */
  async function forgedCompletion(token: string): Promise<string> {
    const checkout = await api.post('/v1/billing/checkout', { token, body: { amount_micros: 50_000_000 } });
    const session = stripe().checkoutSessionAt(String(checkout.body.data.url));
    return JSON.stringify({
      id: `evt_forged_${Date.now()}`,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      data: { object: { ...session, status: 'complete', payment_status: 'paid', payment_intent: 'pi_forged' } },
    });
  }

  it('answers 400 BAD_REQUEST to a body signed with another secret, or altered after signing, and credits nothing', async () => {
    const { token } = await signUp(api);
    const payload = await forgedCompletion(token);
    const otherSecret = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_ours' });
    const genuineForOtherBody = Stripe.webhooks.generateTestHeaderString({
      payload: payload.replace('evt_forged', 'evt_other'),
      secret: stripeWebhookSecret(),
    });

    const wrongSecret = await api.post(WEBHOOK_PATH, { rawBody: payload, headers: { 'stripe-signature': otherSecret } });
    const altered = await api.post(WEBHOOK_PATH, { rawBody: payload, headers: { 'stripe-signature': genuineForOtherBody } });

    expectError(wrongSecret, 400, 'BAD_REQUEST');
    expectError(altered, 400, 'BAD_REQUEST');
    expect(errorOf(wrongSecret).message).toContain('Stripe-Signature');
    expect((await billingOf(token)).credits_micros).toBe(TRIAL_MICROS);
  });

  it('answers 400 BAD_REQUEST without a Stripe-Signature header', async () => {
    const { token } = await signUp(api);

    const response = await api.post(WEBHOOK_PATH, { rawBody: await forgedCompletion(token) });

    expectError(response, 400, 'BAD_REQUEST');
    expect(errorOf(response).message).toContain('Missing Stripe-Signature');
  });

  it('acknowledges event types it has no use for with 200', async () => {
    const { token, accountId } = await signUp(api);
    await api.post('/v1/billing/checkout', { token, body: { amount_micros: 5_000_000 } });
    const customer = stripe()
      .customers()
      .find((candidate) => candidate.metadata.account_id === accountId);
    if (!customer) throw new Error('checkout made no Stripe customer');

    const delivery = await stripe().sendEvent('customer.updated', customer);

    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body)).toEqual({ received: true, outcome: 'ignored' });
  });
});

describe('who may use the billing routes', () => {
  it('refuses an API key with 403 FORBIDDEN on every Stripe route', async () => {
    const { token } = await signUp(api);
    const { key } = await createKey(api, token);

    const responses = await Promise.all([
      api.post('/v1/billing/checkout', { token: key, body: { amount_micros: 5_000_000 } }),
      api.post('/v1/billing/topup', { token: key, body: { amount_micros: 5_000_000 } }),
      api.put('/v1/billing/auto_topup', { token: key, body: { enabled: false, threshold_micros: 0, amount_micros: 5_000_000 } }),
      api.post('/v1/billing/plan', { token: key, body: { plan: 'payg' } }),
    ]);

    expect(responses.map((response) => [response.status, errorOf(response).code])).toEqual(Array(4).fill([403, 'FORBIDDEN']));
  });

  it('counts the billing routes in the account rate-limit group, and not the Stripe webhook', async () => {
    const { token } = await signUp(api);

    const checkout = await api.post('/v1/billing/checkout', { token, body: { amount_micros: 5_000_000 } });
    const webhook = await api.post(WEBHOOK_PATH, { rawBody: '{}' });

    expect(checkout.headers.get('x-ratelimit-limit')).not.toBeNull();
    expect(webhook.headers.get('x-ratelimit-limit')).toBeNull();
  });
});

describe('DELETE /v1/account with billing', () => {
  it('deletes the Stripe customer with the account', async () => {
    const { token } = await signUp(api);
    await buyWithCheckout(token, 5_000_000);
    const customersBefore = stripe().customers().length;

    const deletion = await api.delete('/v1/account', { token, body: { password: PASSWORD } });

    expect(deletion.status).toBe(202);
    // The customer goes with the rest, in the background sweep.
    await vi.waitFor(() => expect(stripe().customers()).toHaveLength(customersBefore - 1), { timeout: 30_000, interval: 200 });
  });
});
