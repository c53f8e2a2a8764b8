import { now, utcDay } from '#lib/clock';
import { AppError } from '#lib/errors';
import { planLimits, plansTable } from '#lib/plans';
import type { AccountSnapshot } from '#lib/auth/principal';
import { charge, refund } from '#lib/billing/ledger';
import { giveBackDailySearch, searchesOn, takeDailySearch } from '#lib/db/search-quota';
import { isSuspended, requireAccount } from '#lib/db/accounts';
import { suspendedError } from '#lib/billing/ledger';

/**
 * The one gate every search passes (POST /v1/search and the agent's search_videos): Free takes one
 * of its daily searches, metered plans pay the search price from their credit. Taken atomically
 * before the search runs; `giveBackSearch` returns it if the search itself fails.
 */
export type SearchCharge =
  | { kind: 'daily_quota'; accountId: string; day: string }
  /** `trialMicros`: how much of it trial credit paid, which a give-back returns as trial credit. */
  | { kind: 'credit'; accountId: string; micros: number; trialMicros: number };

const DAY_SECS = 24 * 60 * 60;

/** `account`: as the request's authentication read it (spares a read); read afresh when not given. */
export async function takeSearch(accountId: string, account?: Pick<AccountSnapshot, 'plan' | 'suspended'>): Promise<SearchCharge> {
  const { plan, suspended } = account ?? snapshotOf(await requireAccount(accountId));
  const quota = planLimits(plan).daily_search_quota;
  if (quota !== null) {
    // A metered search is refused by its debit; a quota search of a suspended account is refused here.
    if (suspended) throw suspendedError();
    const today = now();
    const day = utcDay(today);
    const dayEndSecs = Math.floor(Date.parse(`${day}T00:00:00.000Z`) / 1000) + DAY_SECS;
    if (!(await takeDailySearch(accountId, day, quota, dayEndSecs + DAY_SECS))) {
      throw new AppError('SEARCH_LIMIT_EXCEEDED', `All ${quota} searches of today are used; the quota resets at 00:00 UTC (or upgrade to pay as you go)`, {
        limit: quota,
        used: quota,
      });
    }
    return { kind: 'daily_quota', accountId, day };
  }
  const micros = plansTable.prices.search_micros;
  const { trialFundedMicros } = await charge(accountId, micros, 'search', 'Search');
  return { kind: 'credit', accountId, micros, trialMicros: trialFundedMicros };
}

function snapshotOf(account: Parameters<typeof isSuspended>[0] & { plan: AccountSnapshot['plan'] }): Pick<AccountSnapshot, 'plan' | 'suspended'> {
  return { plan: account.plan, suspended: isSuspended(account) };
}

export async function giveBackSearch(taken: SearchCharge): Promise<void> {
  if (taken.kind === 'daily_quota') await giveBackDailySearch(taken.accountId, taken.day);
  else await refund(taken.accountId, taken.micros, taken.trialMicros, 'Search failed: charge returned');
}

export async function searchesToday(accountId: string): Promise<number> {
  return searchesOn(accountId, utcDay(now()));
}
