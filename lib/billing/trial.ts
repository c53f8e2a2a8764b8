import { now } from '#lib/clock';
import { logError } from '#lib/log';
import { planLimits, type PlanId } from '#lib/plans';
import { balanceOf, changeBalance, newLedgerEntry } from '#lib/billing/ledger';
import { accountsWithTrialExpiringOn, type LedgerEntryRecord } from '#lib/db/ledger';

/**
 * The sign-up trial credit (plans.md, Plans: Free gets $5 that expires 14 days after sign-up).
 * Spending takes trial credit first; what is left of it on expiry is taken back by the daily run.
 */
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How many past days the daily run looks back over: a run that was late or failed is caught up by
 * the next one. Each day is one small query, so a month of missed runs costs next to nothing.
 */
const CATCH_UP_DAYS = 30;

export interface TrialCredit {
  trial_credit_remaining_micros: number;
  trial_expires_at: string;
  /** The `trial_credit` ledger row, written with the account. */
  entry: LedgerEntryRecord;
}

/** The trial a new account on `plan` starts with, or undefined when the plan has none. */
export function trialCreditFor(plan: PlanId, signedUpAt: Date): TrialCredit | undefined {
  const { trial_credit_micros: micros, trial_credit_days: days } = planLimits(plan);
  if (micros === 0) return undefined;
  const expiresAt = new Date(signedUpAt.getTime() + days * DAY_MS).toISOString();
  return {
    trial_credit_remaining_micros: micros,
    trial_expires_at: expiresAt,
    entry: { ...newLedgerEntry('trial_credit', micros, micros, `Trial credit, expires ${expiresAt.slice(0, 10)}`), created_at: signedUpAt.toISOString() },
  };
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Daily step: every account whose trial has expired loses what is left of it (never more than its
 * balance) as a `trial_expiry` row, and leaves the expiry index in the same transaction, so a
 * second run finds nothing to do. Returns how many trials it ended.
 */
export async function expireTrialCredits(): Promise<number> {
  const at = now();
  let ended = 0;
  for (let daysAgo = CATCH_UP_DAYS; daysAgo >= 0; daysAgo -= 1) {
    for (const accountId of await accountsWithTrialExpiringOn(utcDay(new Date(at.getTime() - daysAgo * DAY_MS)))) {
      try {
        if (await endTrialIfExpired(accountId, at)) ended += 1;
      } catch (error) {
        // One account (say, deleted since the index was read) must not hold up the others; the next run retries it.
        logError('trial expiry failed', { account_id: accountId, error });
      }
    }
  }
  return ended;
}

async function endTrialIfExpired(accountId: string, at: Date): Promise<boolean> {
  const entry = await changeBalance(accountId, (account) => {
    // The index is read eventually consistently and lists today's trials before their hour: the account decides.
    if (account.trial_expires_at === undefined || Date.parse(account.trial_expires_at) > at.getTime()) return undefined;
    const { credits_micros: balance, trial_credit_remaining_micros: trialRemaining } = balanceOf(account);
    const forfeited = Math.min(trialRemaining ?? 0, balance);
    return { type: 'trial_expiry', amountMicros: -forfeited, description: 'Unused trial credit expired', trial: { kind: 'ended' } };
  });
  return entry !== undefined;
}
