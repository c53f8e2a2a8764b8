import { describe, expect, it } from 'vitest';
import { transactConditionally } from '#lib/db/conditions';
import { keys } from '#lib/db/keys';
import { eventAppliedPut, findAppliedPayment, isEventApplied, paymentAppliedPut, type AppliedPaymentRecord } from '#lib/db/payments';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

function applied(paymentIntentId: string, overrides: Partial<AppliedPaymentRecord> = {}): AppliedPaymentRecord {
  return {
    payment_intent_id: paymentIntentId,
    account_id: 'acc_p1',
    amount_micros: 10_000_000,
    transaction_id: 'txn_01',
    applied_at: '2026-11-01T00:00:00.000Z',
    applied_by: 'topup',
    ...overrides,
  };
}

describe('Stripe money lands once', () => {
  it('records a credited payment and reads it back as it was recorded', async () => {
    // Arrange
    const record = applied('pi_1');

    // Act
    const failed = await transactConditionally([paymentAppliedPut(record)]);

    // Assert
    expect(failed).toEqual([]);
    expect(await findAppliedPayment('pi_1')).toEqual(record);
  });

  it('refuses a second credit of the same payment, whichever path brings it, and keeps the first', async () => {
    // Arrange
    await transactConditionally([paymentAppliedPut(applied('pi_2'))]);

    // Act
    const failed = await transactConditionally([paymentAppliedPut(applied('pi_2', { applied_by: 'stripe_event', transaction_id: 'txn_02' }))]);

    // Assert
    expect(failed).toEqual([0]);
    expect(await findAppliedPayment('pi_2')).toMatchObject({ applied_by: 'topup', transaction_id: 'txn_01' });
  });

  it('answers undefined for a payment never credited', async () => {
    // Act / Assert
    expect(await findAppliedPayment('pi_never')).toBeUndefined();
  });

  it('records an applied event once, kept 30 days past when it was applied', async () => {
    // Arrange
    const appliedAt = new Date('2026-11-01T00:00:00.000Z');

    // Act
    const first = await transactConditionally([eventAppliedPut('evt_1', 'checkout.session.completed', appliedAt)]);
    const second = await transactConditionally([eventAppliedPut('evt_1', 'checkout.session.completed', new Date('2026-11-02T00:00:00.000Z'))]);

    // Assert
    expect([first, second]).toEqual([[], [0]]);
    expect(await isEventApplied('evt_1')).toBe(true);
    expect(await storedItem(keys.stripeEventApplied('evt_1'))).toEqual({
      ...keys.stripeEventApplied('evt_1'),
      event_id: 'evt_1',
      event_type: 'checkout.session.completed',
      applied_at: '2026-11-01T00:00:00.000Z',
      expires_at: appliedAt.getTime() / 1000 + 30 * 24 * 60 * 60,
    });
  });

  it('says an event never applied is not applied', async () => {
    // Act / Assert
    expect(await isEventApplied('evt_never')).toBe(false);
  });
});
