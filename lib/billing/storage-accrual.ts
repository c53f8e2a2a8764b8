import { now, utcDay } from '#lib/clock';
import { logError } from '#lib/log';
import { plansTable } from '#lib/plans';
import { changeBalance, plannedDebitUpTo } from '#lib/billing/ledger';
import { AppError } from '#lib/errors';
import { dropStorageBilledAccount, isActive, listStorageBilledAccounts } from '#lib/db/accounts';
import { storageAccrualPut, writeStorageAccrualAlone } from '#lib/db/storage-accrual';
import type { LedgerEntryRecord } from '#lib/db/ledger';

/**
 * Storage on pay as you go (plans.md, Prices): per account per UTC day,
 * ceil(storage_bytes × 2 000 / 10⁹) micro-dollars (the plan table's price per GB-day), accrued by
 * the daily run for the day that just ended. A day is charged at most once: its guard row is
 * written in the same transaction as the debit. The balance never goes below zero: a day takes
 * what is there (and the crossing to zero records `credits.exhausted`).
 */
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How many days back a run catches up: a run that was missed is made good by the next one (with
 * the storage as it is then, the only figure there is). Each day is one guarded write per account.
 */
const CATCH_UP_DAYS = 7;

export function storagePriceMicros(storageBytes: number): number {
  const perGbDay = BigInt(plansTable.prices.storage_micros_per_gb_day);
  const bytes = BigInt(Math.max(0, Math.floor(storageBytes)));
  // BigInt: a terabyte times the price passes 2^53.
  return Number((bytes * perGbDay + 999_999_999n) / 1_000_000_000n);
}

function dayBefore(day: string, days = 1): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00.000Z`) - days * DAY_MS));
}

/** The days a run on `today` charges for an account on pay as you go since `sinceDay`: closed days, oldest first. */
export function daysToAccrue(today: string, sinceDay: string): string[] {
  const days: string[] = [];
  for (let back = CATCH_UP_DAYS; back >= 1; back -= 1) {
    const day = dayBefore(today, back);
    if (day >= sinceDay) days.push(day);
  }
  return days;
}

/** Daily step: charges every storage-billed account for the closed days not yet charged. Returns how many day charges it wrote. */
export async function accrueStorageCharges(): Promise<number> {
  const today = utcDay(now());
  let written = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await listStorageBilledAccounts(cursor);
    for (const entry of page.accounts) {
      try {
        for (const day of daysToAccrue(today, entry.since_day)) if (await accrueDay(entry.account_id, day)) written += 1;
      } catch (error) {
        // One account must not hold up the others; its days are caught up by the next run.
        logError('storage accrual failed', { account_id: entry.account_id, error });
      }
    }
    cursor = page.next;
  } while (cursor);
  return written;
}

type DayOutcome = 'charged' | 'nothing_to_charge' | 'not_billed';

/**
 * One account, one day; true when it wrote the day. The account decides (it is read consistently;
 * the list is only a list): one no longer on pay as you go, or deleted, leaves the list instead.
 */
async function accrueDay(accountId: string, day: string): Promise<boolean> {
  const decided: { outcome: DayOutcome; storageBytes: number } = { outcome: 'not_billed', storageBytes: 0 };
  let entry: LedgerEntryRecord | undefined;
  try {
    entry = await changeBalance(accountId, (account) => {
      decided.storageBytes = account.storage_bytes ?? 0;
      if (account.plan !== 'payg' || !isActive(account)) {
        decided.outcome = 'not_billed';
        return undefined;
      }
      const priceMicros = storagePriceMicros(decided.storageBytes);
      const planned = plannedDebitUpTo(account, priceMicros, 'storage', '');
      const takenMicros = -planned.amountMicros;
      if (takenMicros === 0) {
        decided.outcome = 'nothing_to_charge';
        return undefined;
      }
      decided.outcome = 'charged';
      return {
        ...planned,
        description: storageDescription(day, decided.storageBytes, priceMicros, takenMicros),
        alongside: [storageAccrualPut(accountId, day, decided.storageBytes, priceMicros, takenMicros)],
      };
    });
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'NOT_FOUND')) throw error;
  }
  if (decided.outcome === 'not_billed') {
    await dropStorageBilledAccount(accountId);
    return false;
  }
  // Nothing to take (no storage, or an empty balance): the day is marked all the same, so a later run does not charge it with later storage.
  if (decided.outcome === 'nothing_to_charge') return writeStorageAccrualAlone(accountId, day, decided.storageBytes, storagePriceMicros(decided.storageBytes));
  // Undefined: the guard refused, the day was charged already.
  return entry !== undefined;
}

function storageDescription(day: string, storageBytes: number, priceMicros: number, takenMicros: number): string {
  const base = `Storage on ${day}: ${(storageBytes / 1e9).toFixed(3)} GB for a day`;
  return takenMicros === priceMicros ? base : `${base} (${priceMicros} micro-dollars due, ${takenMicros} taken: the balance ran out)`;
}
