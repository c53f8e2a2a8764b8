import { describe, expect, it } from 'vitest';
import { list, signUp, useTestApi } from '#test/support/api';
import { grantCreditsByEmail, setPlanByEmail } from '#lib/billing/admin';

/** The operator commands' domain functions, observed through the API as the account's owner sees them. */
const api = useTestApi();

describe('setPlanByEmail', () => {
  it('moves an account to pay as you go: metered searches, no daily quota', async () => {
    const { token, email } = await signUp(api);

    await setPlanByEmail(email.toUpperCase(), 'payg');
    const account = await api.get('/v1/account', { token });

    expect(account.body.data.plan).toBe('payg');
    expect(account.body.data.usage.search_quota).toBeNull();
    expect(account.body.data.usage.storage_limit_bytes).toBe(10 ** 12);
  });

  it('refuses an email no account has', async () => {
    await expect(setPlanByEmail(`nobody-${Date.now()}@example.com`, 'payg')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('grantCreditsByEmail', () => {
  it('adds to the balance with a grant row carrying the note', async () => {
    const { token, email } = await signUp(api);

    await grantCreditsByEmail(email, 2_500_000, 'Conference voucher');
    const billing = await api.get('/v1/billing', { token });
    const transactions = await api.get('/v1/billing/transactions', { token });

    expect(billing.body.data.credits_micros).toBe(7_500_000);
    expect(list(transactions.body.data)[0]).toMatchObject({
      type: 'grant',
      amount_micros: 2_500_000,
      balance_after_micros: 7_500_000,
      description: 'Conference voucher',
    });
  });

  it('refuses an email no account has, changing nothing', async () => {
    await expect(grantCreditsByEmail(`nobody-${Date.now()}@example.com`, 1_000)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
