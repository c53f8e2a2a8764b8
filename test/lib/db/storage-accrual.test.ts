import { describe, expect, it } from 'vitest';
import { getAccount, insertAccount } from '#lib/db/accounts';
import { transactConditionally } from '#lib/db/conditions';
import { keys } from '#lib/db/keys';
import { countLedgerEntries, writeBalanceChange, type LedgerEntryRecord } from '#lib/db/ledger';
import { storageAccrualPut, writeStorageAccrualAlone } from '#lib/db/storage-accrual';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

const GUARD_TTL_SECS = 90 * 24 * 60 * 60;

describe('the once-per-day guard of storage accrual', () => {
  it("writes the day's guard with the day's debit, once: a repeat of the day is refused and takes nothing", async () => {
    // Arrange
    const opening: LedgerEntryRecord = {
      id: 'txn_00',
      type: 'grant',
      amount_micros: 10_000,
      balance_after_micros: 10_000,
      description: 'Grant',
      created_at: '2026-11-01T00:00:00.000Z',
    };
    await insertAccount(
      { account_id: 'acc_sa1', email: 'acc_sa1@example.com', password_hash: 'x', plan: 'payg', created_at: '2026-11-01T00:00:00.000Z' },
      opening,
    );
    const dayDebit = (txnId: string, seenCredits: number) =>
      writeBalanceChange({
        accountId: 'acc_sa1',
        seen: { credits_micros: seenCredits, trial_credit_remaining_micros: undefined },
        entry: {
          id: txnId,
          type: 'storage',
          amount_micros: -1_300,
          balance_after_micros: seenCredits - 1_300,
          description: 'Storage 2026-11-05',
          created_at: '2026-11-06T00:00:00.000Z',
        },
        trial: { kind: 'unchanged' },
        alongside: [storageAccrualPut('acc_sa1', '2026-11-05', 2_000_000_000, 1_300, 1_300)],
      });

    // Act
    const first = await dayDebit('txn_01', 10_000);
    const repeat = await dayDebit('txn_02', 8_700);

    // Assert
    expect([first, repeat]).toEqual(['written', 'refused']);
    expect((await getAccount('acc_sa1'))?.credits_micros).toBe(8_700);
    expect(await countLedgerEntries('acc_sa1')).toBe(2);
    expect(await storedItem(keys.storageAccrual('acc_sa1', '2026-11-05'))).toEqual({
      ...keys.storageAccrual('acc_sa1', '2026-11-05'),
      account_id: 'acc_sa1',
      day: '2026-11-05',
      storage_bytes: 2_000_000_000,
      price_micros: 1_300,
      charged_micros: 1_300,
      expires_at: Date.parse('2026-11-05T00:00:00.000Z') / 1000 + GUARD_TTL_SECS,
    });
  });

  it('marks a day with nothing to take as charged nothing; false when the day already was', async () => {
    // Act
    const first = await writeStorageAccrualAlone('acc_sa2', '2026-11-05', 0, 0);
    const repeat = await writeStorageAccrualAlone('acc_sa2', '2026-11-05', 5_000, 1);
    const nextDay = await writeStorageAccrualAlone('acc_sa2', '2026-11-06', 0, 0);

    // Assert
    expect([first, repeat, nextDay]).toEqual([true, false, true]);
    expect(await storedItem(keys.storageAccrual('acc_sa2', '2026-11-05'))).toMatchObject({ storage_bytes: 0, price_micros: 0, charged_micros: 0 });
  });

  it("finds a day charged with its debit already done, and another account's day not done", async () => {
    // Arrange
    await transactConditionally([storageAccrualPut('acc_sa3', '2026-11-05', 100, 1, 1)]);

    // Act
    const sameDay = await writeStorageAccrualAlone('acc_sa3', '2026-11-05', 100, 1);
    const otherAccount = await writeStorageAccrualAlone('acc_sa3_other', '2026-11-05', 100, 1);

    // Assert
    expect([sameDay, otherAccount]).toEqual([false, true]);
    expect((await storedItem(keys.storageAccrual('acc_sa3', '2026-11-05')))?.charged_micros).toBe(1);
  });
});
