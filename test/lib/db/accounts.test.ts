import { describe, expect, it } from 'vitest';
import {
  findAccountIdByEmail,
  getAccount,
  insertAccount,
  listDeletingAccountIds,
  listStorageBilledAccounts,
  markAccountDeleted,
  markAccountDeleting,
  recordStripeCustomer,
  releaseAutoTopUpClaim,
  storageChange,
  updateAccountPlan,
  type AccountRecord,
} from '#lib/db/accounts';
import { transactConditionally } from '#lib/db/conditions';
import { keys } from '#lib/db/keys';
import { accountsWithTrialExpiringOn, newestLedgerEntries, type LedgerEntryRecord } from '#lib/db/ledger';
import { db, tableName } from '#lib/db/client';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

let accounts = 0;
function accountRecord(overrides: Partial<AccountRecord> = {}): AccountRecord {
  accounts += 1;
  const accountId = `acc_accounts${accounts}`;
  return {
    account_id: accountId,
    email: `${accountId}@example.com`,
    password_hash: 'hash',
    plan: 'free',
    created_at: '2026-03-01T08:00:00.000Z',
    ...overrides,
  };
}

const TRIAL_CREDIT: LedgerEntryRecord = {
  id: 'txn_trial',
  type: 'trial_credit',
  amount_micros: 5_000_000,
  balance_after_micros: 5_000_000,
  description: 'Trial credit',
  created_at: '2026-03-01T08:00:00.000Z',
};

describe('account by id, and its email guard', () => {
  it('creates the account with zeroed counters under its email, findable by email', async () => {
    // Arrange
    const account = accountRecord();

    // Act
    await insertAccount(account);

    // Assert
    expect(await getAccount(account.account_id)).toEqual({
      ...keys.account(account.account_id),
      ...account,
      active_api_keys: 0,
      storage_bytes: 0,
      credits_micros: 0,
      ledger_entries: 0,
    });
    expect(await findAccountIdByEmail(account.email)).toBe(account.account_id);
  });

  it('writes an opening credit with its ledger row and lists the account under its trial-expiry day', async () => {
    // Arrange
    const account = accountRecord({ trial_credit_remaining_micros: 5_000_000, trial_expires_at: '2026-03-15T08:00:00.000Z' });

    // Act
    await insertAccount(account, TRIAL_CREDIT);

    // Assert
    expect((await getAccount(account.account_id))?.credits_micros).toBe(5_000_000);
    expect(await newestLedgerEntries(account.account_id, 10)).toEqual([TRIAL_CREDIT]);
    expect(await accountsWithTrialExpiringOn('2026-03-15')).toContain(account.account_id);
  });

  it('refuses a second account for a taken email with ACCOUNT_EXISTS and writes none of it', async () => {
    // Arrange
    const first = accountRecord();
    await insertAccount(first);
    const second = accountRecord({ email: first.email });

    // Act
    const insert = insertAccount(second, TRIAL_CREDIT);

    // Assert
    await expect(insert).rejects.toMatchObject({ code: 'ACCOUNT_EXISTS' });
    expect(await getAccount(second.account_id)).toBeUndefined();
    expect(await newestLedgerEntries(second.account_id, 10)).toEqual([]);
    expect(await findAccountIdByEmail(first.email)).toBe(first.account_id);
  });

  it('answers undefined for an account or an email nobody has', async () => {
    // Act / Assert
    expect(await getAccount('acc_nobody')).toBeUndefined();
    expect(await findAccountIdByEmail('nobody@example.com')).toBeUndefined();
  });
});

describe('plan and the storage-billed list', () => {
  it('lists a pay-as-you-go account from its first day, and takes it off when it leaves the plan', async () => {
    // Arrange
    const account = accountRecord();
    await insertAccount(account);

    // Act
    const moved = await updateAccountPlan(account.account_id, 'payg', '2026-03-04T10:00:00.000Z');
    const listedWhilePayg = (await listStorageBilledAccounts(undefined)).accounts;
    await updateAccountPlan(account.account_id, 'free', '2026-03-05T10:00:00.000Z');
    const listedAfter = (await listStorageBilledAccounts(undefined)).accounts;

    // Assert
    expect(moved).toBe(true);
    expect(listedWhilePayg).toContainEqual({ account_id: account.account_id, since_day: '2026-03-04' });
    expect(listedAfter.map((entry) => entry.account_id)).not.toContain(account.account_id);
    expect((await getAccount(account.account_id))?.plan).toBe('free');
  });

  it('answers false, and lists nothing, for a plan change of an account that does not exist', async () => {
    // Act
    const moved = await updateAccountPlan('acc_missing_plan', 'payg', '2026-03-04T10:00:00.000Z');

    // Assert
    expect(moved).toBe(false);
    expect(await storedItem(keys.storageBilledAccount('acc_missing_plan'))).toBeUndefined();
  });
});

describe('accounts being deleted', () => {
  it('detaches the email, frees it and lists the account for the sweep; only once', async () => {
    // Arrange
    const account = accountRecord();
    await insertAccount(account);

    // Act
    const first = await markAccountDeleting(account, 'del_1', '2026-03-06T00:00:00.000Z');
    const second = await markAccountDeleting(account, 'del_2', '2026-03-06T00:01:00.000Z');

    // Assert
    expect([first, second]).toEqual([true, false]);
    const stored = await getAccount(account.account_id);
    expect(stored).toMatchObject({ status: 'deleting', deletion_id: 'del_1', email: `deleted:${account.account_id}` });
    expect(stored?.password_hash).toBeUndefined();
    expect(await findAccountIdByEmail(account.email)).toBeUndefined();
    expect(await listDeletingAccountIds(100)).toContain(account.account_id);
  });

  it('marks a swept account deleted and off the sweep list; an active account is left as it is', async () => {
    // Arrange
    const swept = accountRecord();
    const active = accountRecord();
    await insertAccount(swept);
    await insertAccount(active);
    await markAccountDeleting(swept, 'del_3', '2026-03-06T00:00:00.000Z');

    // Act
    await markAccountDeleted(swept.account_id, '2026-03-07T00:00:00.000Z');
    await markAccountDeleted(active.account_id, '2026-03-07T00:00:00.000Z');

    // Assert
    expect(await getAccount(swept.account_id)).toMatchObject({ status: 'deleted', deleted_at: '2026-03-07T00:00:00.000Z' });
    expect(await listDeletingAccountIds(100)).not.toContain(swept.account_id);
    expect((await getAccount(active.account_id))?.status).toBeUndefined();
  });
});

describe('counters and settings on the account item', () => {
  it("moves storage within the plan's limit and refuses, as a failed condition, past it", async () => {
    // Arrange
    const account = accountRecord();
    await insertAccount(account);

    // Act
    const within = await transactConditionally([storageChange(account.account_id, 600, 1_000)]);
    const past = await transactConditionally([storageChange(account.account_id, 500, 1_000)]);
    const released = await transactConditionally([storageChange(account.account_id, -100)]);

    // Assert
    expect([within, past, released]).toEqual([[], [0], []]);
    expect((await getAccount(account.account_id))?.storage_bytes).toBe(500);
  });

  it('records the first Stripe customer and answers it to a later one', async () => {
    // Arrange
    const account = accountRecord();
    await insertAccount(account);

    // Act
    const first = await recordStripeCustomer(account.account_id, 'cus_first');
    const second = await recordStripeCustomer(account.account_id, 'cus_second');

    // Assert
    expect([first, second]).toEqual(['cus_first', 'cus_first']);
    expect((await getAccount(account.account_id))?.stripe_customer_id).toBe('cus_first');
  });

  it('ends a pending auto top-up only for the request that is pending', async () => {
    // Arrange
    const account = accountRecord();
    await insertAccount(account);
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.account(account.account_id),
        UpdateExpression: 'SET auto_topup_pending = :request',
        ExpressionAttributeValues: { ':request': 'atu_pending' },
      }),
    );

    // Act
    await releaseAutoTopUpClaim(account.account_id, 'atu_other');
    const afterOther = (await getAccount(account.account_id))?.auto_topup_pending;
    await releaseAutoTopUpClaim(account.account_id, 'atu_pending');

    // Assert
    expect(afterOther).toBe('atu_pending');
    expect((await getAccount(account.account_id))?.auto_topup_pending).toBeUndefined();
  });
});
