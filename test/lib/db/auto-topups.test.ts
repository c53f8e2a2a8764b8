import { describe, expect, it } from 'vitest';
import {
  autoTopUpRequestPut,
  finishAutoTopUpRequest,
  getAutoTopUpRequest,
  listAutoTopUpsPendingBefore,
  recordAutoTopUpPayment,
  type AutoTopUpRequestRecord,
} from '#lib/db/auto-topups';
import { transactConditionally } from '#lib/db/conditions';
import { keys } from '#lib/db/keys';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

function request(accountId: string, requestId: string, createdAt = '2026-11-10T00:00:00.000Z'): AutoTopUpRequestRecord {
  return {
    request_id: requestId,
    account_id: accountId,
    amount_micros: 20_000_000,
    threshold_micros: 5_000_000,
    balance_micros: 4_000_000,
    status: 'pending',
    created_at: createdAt,
  };
}

async function writeRequest(record: AutoTopUpRequestRecord): Promise<void> {
  const failed = await transactConditionally([autoTopUpRequestPut(record)]);
  if (failed.length > 0) throw new Error('request not written');
}

async function pendingOf(accountId: string, beforeIso: string) {
  return (await listAutoTopUpsPendingBefore(beforeIso, 100)).filter((entry) => entry.account_id === accountId);
}

describe('auto top-up requests (the outbox a crossing debit writes)', () => {
  it('writes a pending request, readable by its account and listed as pending', async () => {
    // Arrange
    const record = request('acc_t1', 'atu_01');

    // Act
    await writeRequest(record);

    // Assert
    expect(await getAutoTopUpRequest('acc_t1', 'atu_01')).toEqual({
      ...keys.autoTopUpRequest('acc_t1', 'atu_01'),
      ...keys.autoTopUpPendingIndex(record.created_at, 'atu_01'),
      ...record,
    });
    expect(await pendingOf('acc_t1', '2026-11-11T00:00:00.000Z')).toEqual([{ account_id: 'acc_t1', request_id: 'atu_01' }]);
  });

  it("never overwrites a request, and another account's request id reads as unknown", async () => {
    // Arrange
    await writeRequest(request('acc_t2', 'atu_01'));

    // Act
    const again = await transactConditionally([autoTopUpRequestPut({ ...request('acc_t2', 'atu_01'), amount_micros: 1 })]);

    // Assert
    expect(again).toEqual([0]);
    expect((await getAutoTopUpRequest('acc_t2', 'atu_01'))?.amount_micros).toBe(20_000_000);
    expect(await getAutoTopUpRequest('acc_t2_other', 'atu_01')).toBeUndefined();
  });

  it('records how a request ended once, takes it off the pending list and lets it expire 90 days later', async () => {
    // Arrange
    await writeRequest(request('acc_t3', 'atu_01'));

    // Act
    const first = await finishAutoTopUpRequest('acc_t3', 'atu_01', {
      status: 'succeeded',
      finishedAt: '2026-11-10T00:01:00.000Z',
      paymentIntentId: 'pi_1',
      transactionId: 'txn_1',
    });
    const second = await finishAutoTopUpRequest('acc_t3', 'atu_01', {
      status: 'failed',
      finishedAt: '2026-11-10T00:02:00.000Z',
      error: { code: 'PAYMENT_FAILED', message: 'declined' },
    });

    // Assert
    expect([first, second]).toEqual([true, false]);
    const stored = await getAutoTopUpRequest('acc_t3', 'atu_01');
    expect(stored).toMatchObject({
      status: 'succeeded',
      finished_at: '2026-11-10T00:01:00.000Z',
      payment_intent_id: 'pi_1',
      transaction_id: 'txn_1',
      expires_at: Date.parse('2026-11-10T00:01:00.000Z') / 1000 + 90 * 24 * 60 * 60,
    });
    expect(stored?.error).toBeUndefined();
    expect(await storedItem(keys.autoTopUpRequest('acc_t3', 'atu_01'))).not.toHaveProperty('GSI1PK');
    expect(await pendingOf('acc_t3', '2026-12-01T00:00:00.000Z')).toEqual([]);
  });

  it('records a failure with its error', async () => {
    // Arrange
    await writeRequest(request('acc_t4', 'atu_01'));

    // Act
    const finished = await finishAutoTopUpRequest('acc_t4', 'atu_01', {
      status: 'failed',
      finishedAt: '2026-11-10T00:01:00.000Z',
      error: { code: 'PAYMENT_FAILED', message: 'Your card was declined' },
    });

    // Assert
    expect(finished).toBe(true);
    expect(await getAutoTopUpRequest('acc_t4', 'atu_01')).toMatchObject({
      status: 'failed',
      error: { code: 'PAYMENT_FAILED', message: 'Your card was declined' },
    });
  });

  it("answers false for finishing an unknown request or another account's, and writes none", async () => {
    // Arrange
    await writeRequest(request('acc_t5', 'atu_01'));
    const outcome = { status: 'skipped' as const, finishedAt: '2026-11-10T00:01:00.000Z' };

    // Act
    const unknown = await finishAutoTopUpRequest('acc_t5', 'atu_missing', outcome);
    const otherAccount = await finishAutoTopUpRequest('acc_t5_other', 'atu_01', outcome);

    // Assert
    expect([unknown, otherAccount]).toEqual([false, false]);
    expect(await storedItem(keys.autoTopUpRequest('acc_t5', 'atu_missing'))).toBeUndefined();
    expect(await storedItem(keys.autoTopUpRequest('acc_t5_other', 'atu_01'))).toBeUndefined();
    expect((await getAutoTopUpRequest('acc_t5', 'atu_01'))?.status).toBe('pending');
  });

  it('lists requests made before a time, oldest first, at most `limit`, not those made at or after it', async () => {
    // Arrange
    await writeRequest(request('acc_t6', 'atu_b', '2020-02-01T12:00:00.000Z'));
    await writeRequest(request('acc_t6', 'atu_a', '2020-02-01T06:00:00.000Z'));
    await writeRequest(request('acc_t6', 'atu_c', '2020-02-02T00:00:00.000Z'));

    // Act
    const before = await pendingOf('acc_t6', '2020-02-02T00:00:00.000Z');
    const firstOnly = await listAutoTopUpsPendingBefore('2020-02-02T00:00:00.000Z', 1);

    // Assert
    expect(before).toEqual([
      { account_id: 'acc_t6', request_id: 'atu_a' },
      { account_id: 'acc_t6', request_id: 'atu_b' },
    ]);
    expect(firstOnly).toEqual([{ account_id: 'acc_t6', request_id: 'atu_a' }]);
  });

  it('keeps the charge made for a request before it is credited; refuses (failed condition) for an unknown request', async () => {
    // Arrange
    await writeRequest(request('acc_t7', 'atu_01'));

    // Act
    await recordAutoTopUpPayment('acc_t7', 'atu_01', 'pi_kept');
    const unknown = recordAutoTopUpPayment('acc_t7', 'atu_missing', 'pi_other');

    // Assert
    await expect(unknown).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await getAutoTopUpRequest('acc_t7', 'atu_01')).toMatchObject({ status: 'pending', payment_intent_id: 'pi_kept' });
    expect(await storedItem(keys.autoTopUpRequest('acc_t7', 'atu_missing'))).toBeUndefined();
  });
});
