import { describe, expect, it } from 'vitest';
import { errorOf, signUp, useTestApi, type ApiResponse } from '#test/support/api';

// The default test environment has no Stripe keys: a deployment without billing.
const api = useTestApi();

function codeOf(response: ApiResponse): [number, unknown] {
  return [response.status, errorOf(response)?.code];
}

describe('a deployment without Stripe keys', () => {
  it('answers 402 BILLING_NOT_CONFIGURED to everything that would talk to Stripe', async () => {
    const { token } = await signUp(api);

    const checkout = await api.post('/v1/billing/checkout', { token, body: { amount_micros: 5_000_000 } });
    const topUp = await api.post('/v1/billing/topup', { token, body: { amount_micros: 5_000_000 } });
    const autoTopUp = await api.put('/v1/billing/auto_topup', { token, body: { enabled: true, threshold_micros: 1_000_000, amount_micros: 5_000_000 } });
    const plan = await api.post('/v1/billing/plan', { token, body: { plan: 'payg' } });
    const webhook = await api.post('/v1/billing/stripe-webhook', { rawBody: '{}', headers: { 'stripe-signature': 't=1,v1=00' } });

    expect([checkout, topUp, autoTopUp, plan, webhook].map(codeOf)).toEqual(Array(5).fill([402, 'BILLING_NOT_CONFIGURED']));
    expect(errorOf(checkout).message).toContain('grant-credits');
  });

  it('still shows the balance and the ledger, and lets auto top-up stay off', async () => {
    const { token } = await signUp(api);

    const billing = await api.get('/v1/billing', { token });
    const transactions = await api.get('/v1/billing/transactions', { token });
    const autoTopUpOff = await api.put('/v1/billing/auto_topup', { token, body: { enabled: false, threshold_micros: 0, amount_micros: 5_000_000 } });

    expect(billing.status).toBe(200);
    expect(billing.body.data).toEqual({
      plan: 'free',
      credits_micros: 5_000_000,
      suspended: false,
      payment_method: null,
      auto_topup: { enabled: false, threshold_micros: 0, amount_micros: 0 },
    });
    expect(transactions.status).toBe(200);
    expect(autoTopUpOff.status).toBe(200);
  });

  it('still validates first: an amount under $5 is a 422, not a billing error', async () => {
    const { token } = await signUp(api);

    const response = await api.post('/v1/billing/checkout', { token, body: { amount_micros: 1_000_000 } });

    expect(codeOf(response)).toEqual([422, 'VALIDATION_ERROR']);
  });
});
