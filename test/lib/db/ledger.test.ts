import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { getAccount, insertAccount, type AccountRecord } from '#lib/db/accounts';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import {
  accountsWithTrialExpiringOn,
  countLedgerEntries,
  newestLedgerEntries,
  writeBalanceChange,
  type BalanceChange,
  type LedgerEntryRecord,
} from '#lib/db/ledger';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

let accounts = 0;
/** An account with `credits` of balance (its opening ledger row), optionally a running trial. */
async function accountWith(credits: number, trial?: { remaining: number; expiresAt: string }): Promise<string> {
  accounts += 1;
  const accountId = `acc_ledger${accounts}`;
  const account: AccountRecord = {
    account_id: accountId,
    email: `${accountId}@example.com`,
    password_hash: 'x',
    plan: 'payg',
    created_at: '2026-09-01T00:00:00.000Z',
    ...(trial ? { trial_credit_remaining_micros: trial.remaining, trial_expires_at: trial.expiresAt } : {}),
  };
  await insertAccount(account, credits > 0 ? entry('txn_00_opening', credits, credits) : undefined);
  return accountId;
}

function entry(id: string, amount: number, balanceAfter: number): LedgerEntryRecord {
  return {
    id,
    type: amount >= 0 ? 'grant' : 'search',
    amount_micros: amount,
    balance_after_micros: balanceAfter,
    description: `${id} of ${amount}`,
    created_at: '2026-09-02T00:00:00.000Z',
  };
}

function change(accountId: string, seenCredits: number, row: LedgerEntryRecord, overrides: Partial<BalanceChange> = {}): BalanceChange {
  return {
    accountId,
    seen: { credits_micros: seenCredits, trial_credit_remaining_micros: undefined },
    entry: row,
    trial: { kind: 'unchanged' },
    ...overrides,
  };
}

describe('writeBalanceChange (a balance change and its ledger row, together)', () => {
  it('moves the balance to the balance_after of its row and writes the row', async () => {
    // Arrange
    const accountId = await accountWith(1_000);
    const row = entry('txn_01', -300, 700);

    // Act
    const outcome = await writeBalanceChange(change(accountId, 1_000, row));

    // Assert
    expect(outcome).toBe('written');
    expect((await getAccount(accountId))?.credits_micros).toBe(700);
    expect(await storedItem(keys.ledgerEntry(accountId, 'txn_01'))).toEqual({ ...keys.ledgerEntry(accountId, 'txn_01'), ...row });
  });

  it('answers lost_race, writing nothing, when the account no longer shows the balance that was seen', async () => {
    // Arrange
    const accountId = await accountWith(1_000);
    await writeBalanceChange(change(accountId, 1_000, entry('txn_01', 500, 1_500)));

    // Act
    const outcome = await writeBalanceChange(change(accountId, 1_000, entry('txn_02', -100, 900)));

    // Assert
    expect(outcome).toBe('lost_race');
    expect((await getAccount(accountId))?.credits_micros).toBe(1_500);
    expect(await storedItem(keys.ledgerEntry(accountId, 'txn_02'))).toBeUndefined();
  });

  it('never takes the balance below zero: a debit larger than the balance is not written', async () => {
    // Arrange
    const accountId = await accountWith(200);

    // Act
    const outcome = await writeBalanceChange(change(accountId, 200, entry('txn_01', -300, -100)));

    // Assert
    expect(outcome).toBe('lost_race');
    expect((await getAccount(accountId))?.credits_micros).toBe(200);
    expect(await countLedgerEntries(accountId)).toBe(1);
  });

  it('writes nothing for an account that does not exist, and leaves no stub account', async () => {
    // Act
    const outcome = await writeBalanceChange(change('acc_ledger_missing', 0, entry('txn_01', 100, 100)));

    // Assert
    expect(outcome).toBe('lost_race');
    expect(await getAccount('acc_ledger_missing')).toBeUndefined();
    expect(await countLedgerEntries('acc_ledger_missing')).toBe(0);
  });

  it('reads an account item without a balance attribute as a zero balance, and credits it', async () => {
    // Arrange
    await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.account('acc_ledger_bare'), account_id: 'acc_ledger_bare' } }));

    // Act
    const outcome = await writeBalanceChange(change('acc_ledger_bare', 0, entry('txn_01', 250, 250)));

    // Assert
    expect(outcome).toBe('written');
    expect((await getAccount('acc_ledger_bare'))?.credits_micros).toBe(250);
  });

  it('applies a row once: the same ledger id a second time is not written again', async () => {
    // Arrange
    const accountId = await accountWith(1_000);
    const row = entry('txn_01', 100, 1_100);
    await writeBalanceChange(change(accountId, 1_000, row));

    // Act
    const outcome = await writeBalanceChange(change(accountId, 1_100, { ...row, balance_after_micros: 1_200 }));

    // Assert
    expect(outcome).toBe('lost_race');
    expect((await getAccount(accountId))?.credits_micros).toBe(1_100);
  });

  it('answers refused, writing nothing, when a write that must go with it fails its condition', async () => {
    // Arrange
    const accountId = await accountWith(1_000);
    await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.stripePaymentApplied('pi_taken'), account_id: accountId } }));
    const guard = { Put: { TableName: tableName, Item: { ...keys.stripePaymentApplied('pi_taken') }, ConditionExpression: 'attribute_not_exists(PK)' } };

    // Act
    const outcome = await writeBalanceChange(change(accountId, 1_000, entry('txn_01', 500, 1_500), { alongside: [guard] }));

    // Assert
    expect(outcome).toBe('refused');
    expect((await getAccount(accountId))?.credits_micros).toBe(1_000);
    expect(await storedItem(keys.ledgerEntry(accountId, 'txn_01'))).toBeUndefined();
  });

  it('keeps trial credit as told, and an ended trial takes the account off its expiry day', async () => {
    // Arrange
    const accountId = await accountWith(1_000, { remaining: 1_000, expiresAt: '2026-09-20T00:00:00.000Z' });
    const trialSeen = { credits_micros: 1_000, trial_credit_remaining_micros: 1_000 };
    await writeBalanceChange(change(accountId, 1_000, entry('txn_01', -400, 600), { seen: trialSeen, trial: { kind: 'remaining', micros: 600 } }));
    const listedDuringTrial = await accountsWithTrialExpiringOn('2026-09-20');

    // Act
    const staleTrial = await writeBalanceChange(
      change(accountId, 600, entry('txn_02', -600, 0), { seen: { credits_micros: 600, trial_credit_remaining_micros: 1_000 }, trial: { kind: 'ended' } }),
    );
    const ended = await writeBalanceChange(
      change(accountId, 600, entry('txn_03', -600, 0), { seen: { credits_micros: 600, trial_credit_remaining_micros: 600 }, trial: { kind: 'ended' } }),
    );

    // Assert
    expect(listedDuringTrial).toContain(accountId);
    expect([staleTrial, ended]).toEqual(['lost_race', 'written']);
    const account = await getAccount(accountId);
    expect(account?.credits_micros).toBe(0);
    expect(account?.trial_credit_remaining_micros).toBeUndefined();
    expect(account?.trial_expires_at).toBeUndefined();
    expect(await accountsWithTrialExpiringOn('2026-09-20')).not.toContain(accountId);
  });

  it("moves storage with the change within the plan's limit, and writes nothing past it", async () => {
    // Arrange
    const accountId = await accountWith(1_000);

    // Act
    const within = await writeBalanceChange(
      change(accountId, 1_000, entry('txn_01', -100, 900), { account: { storage: { deltaBytes: 600, limitBytes: 1_000 } } }),
    );
    const past = await writeBalanceChange(change(accountId, 900, entry('txn_02', -100, 800), { account: { storage: { deltaBytes: 600, limitBytes: 1_000 } } }));

    // Assert
    expect([within, past]).toEqual(['written', 'lost_race']);
    const account = await getAccount(accountId);
    expect({ credits: account?.credits_micros, storage: account?.storage_bytes }).toEqual({ credits: 900, storage: 600 });
  });

  it('claims the auto top-up for one request at a time, and only that request settles it', async () => {
    // Arrange
    const accountId = await accountWith(1_000);

    // Act
    const claimed = await writeBalanceChange(
      change(accountId, 1_000, entry('txn_01', -100, 900), { account: { autoTopUp: { kind: 'claim', requestId: 'atu_1' } } }),
    );
    const secondClaim = await writeBalanceChange(
      change(accountId, 900, entry('txn_02', -100, 800), { account: { autoTopUp: { kind: 'claim', requestId: 'atu_2' } } }),
    );
    const wrongSettle = await writeBalanceChange(
      change(accountId, 900, entry('txn_03', 500, 1_400), { account: { autoTopUp: { kind: 'settle', requestId: 'atu_2' } } }),
    );
    const pendingBeforeSettle = (await getAccount(accountId))?.auto_topup_pending;
    const settled = await writeBalanceChange(
      change(accountId, 900, entry('txn_04', 500, 1_400), { account: { autoTopUp: { kind: 'settle', requestId: 'atu_1' } } }),
    );

    // Assert
    expect([claimed, secondClaim, wrongSettle, settled]).toEqual(['written', 'lost_race', 'lost_race', 'written']);
    expect(pendingBeforeSettle).toBe('atu_1');
    const account = await getAccount(accountId);
    expect({ credits: account?.credits_micros, pending: account?.auto_topup_pending }).toEqual({ credits: 1_400, pending: undefined });
  });
});

describe('reading the ledger', () => {
  it("reads the newest rows first, as many as asked for, without table keys and none of another account's", async () => {
    // Arrange
    const accountId = await accountWith(1_000);
    const otherAccountId = await accountWith(5_000);
    let balance = 1_000;
    for (const id of ['txn_01', 'txn_02', 'txn_03', 'txn_04']) {
      balance += 10;
      await writeBalanceChange(change(accountId, balance - 10, entry(id, 10, balance)));
    }

    // Act
    const newestTwo = await newestLedgerEntries(accountId, 2);
    const all = await newestLedgerEntries(accountId, 100);

    // Assert
    expect(newestTwo).toEqual([entry('txn_04', 10, 1_040), entry('txn_03', 10, 1_030)]);
    expect(all.map((row) => row.id)).toEqual(['txn_04', 'txn_03', 'txn_02', 'txn_01', 'txn_00_opening']);
    expect(await newestLedgerEntries(otherAccountId, 100)).toEqual([entry('txn_00_opening', 5_000, 5_000)]);
  });

  it('counts the rows of one account, not the other items of its partition', async () => {
    // Arrange
    const accountId = await accountWith(1_000);
    await writeBalanceChange(change(accountId, 1_000, entry('txn_01', 1, 1_001)));
    await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.video(accountId, 'vid_1') } }));

    // Act / Assert
    expect(await countLedgerEntries(accountId)).toBe(2);
    expect(await countLedgerEntries('acc_ledger_nobody')).toBe(0);
  });

  it('lists the accounts whose trial expires on a day, and only that day', async () => {
    // Arrange
    const onDay = await accountWith(100, { remaining: 100, expiresAt: '2026-10-01T09:00:00.000Z' });
    const nextDay = await accountWith(100, { remaining: 100, expiresAt: '2026-10-02T09:00:00.000Z' });

    // Act
    const listed = await accountsWithTrialExpiringOn('2026-10-01');

    // Assert
    expect(listed).toContain(onDay);
    expect(listed).not.toContain(nextDay);
    expect(await accountsWithTrialExpiringOn('2026-10-03')).toEqual([]);
  });
});
