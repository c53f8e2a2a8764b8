import { describe, expect, it } from 'vitest';
import { signUp, useTestApi } from '#test/support/api';
import { balanceOf, credit, newLedgerEntry } from '#lib/billing/ledger';
import { autoTopUpRequestFor } from '#lib/billing/auto-topup-trigger';
import { autoTopUpRequestPut } from '#lib/db/auto-topups';
import { getAccount, saveAutoTopUp, type AccountRecord } from '#lib/db/accounts';
import { writeBalanceChange, type BalanceWriteOutcome } from '#lib/db/ledger';

/**
 * In one process, balance changes of an account queue behind each other (lib/billing/account-queue.ts);
 * across processes (Lambda instances) only the conditional writes decide. These tests are those
 * processes: each writes a crossing debit from the account as it read it, with the claim it made.
 */
const api = useTestApi();
const THRESHOLD = 4_000_000;

async function accountWithAutoTopUp(): Promise<AccountRecord> {
  const { accountId } = await signUp(api);
  await saveAutoTopUp(accountId, { enabled: true, threshold_micros: THRESHOLD, amount_micros: 10_000_000 });
  const account = await getAccount(accountId);
  if (!account) throw new Error('no account');
  return account;
}

/** A process that read `seen` writes a debit of `micros`, claiming an auto top-up if that debit crosses as it sees it. */
function crossingDebit(seen: AccountRecord, micros: number): Promise<BalanceWriteOutcome> {
  const before = balanceOf(seen);
  const entry = newLedgerEntry('search', -micros, before.credits_micros - micros, 'racing debit');
  const request = autoTopUpRequestFor(seen, before.credits_micros, entry.balance_after_micros, entry.created_at);
  if (!request) throw new Error('this debit does not cross as the process sees it');
  return writeBalanceChange({
    accountId: seen.account_id,
    seen: before,
    entry,
    trial: { kind: 'unchanged' },
    alongside: [autoTopUpRequestPut(request)],
    account: { autoTopUp: { kind: 'claim', requestId: request.request_id } },
  });
}

describe('the auto top-up claim across processes', () => {
  it('lets exactly one of several processes that saw the same balance write its crossing', async () => {
    const seen = await accountWithAutoTopUp();

    const outcomes = await Promise.all(Array.from({ length: 8 }, () => crossingDebit(seen, 1_500_000)));

    expect(outcomes.filter((outcome) => outcome === 'written')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'lost_race')).toHaveLength(7);
    const after = await getAccount(seen.account_id);
    expect(after?.auto_topup_pending).toEqual(expect.stringMatching(/^evt_/));
    // Read again, a loser sees the crossing already claimed and makes no request of its own.
    expect(after && autoTopUpRequestFor(after, THRESHOLD, THRESHOLD - 1, new Date().toISOString())).toBeUndefined();
  });

  it('refuses a second claim even when the balance came back to what a stale reader saw', async () => {
    const seen = await accountWithAutoTopUp();
    expect(await crossingDebit(seen, 1_500_000)).toBe('written');
    // A refund puts the balance back exactly where it was: the balance condition alone would let a stale writer through.
    await credit(seen.account_id, 1_500_000, 'refund', 'refund that restores the balance');
    expect(balanceOf((await getAccount(seen.account_id)) ?? seen).credits_micros).toBe(balanceOf(seen).credits_micros);

    const stale = await crossingDebit(seen, 1_500_000);

    expect(stale).toBe('lost_race');
  });
});
