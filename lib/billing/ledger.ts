import { newId } from '#lib/ids';
import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import { getAccount, type AccountRecord } from '#lib/db/accounts';
import { announceCreditEvents, creditEventWrites } from '#lib/billing/credit-events';
import { autoTopUpRequestFor, dispatchAutoTopUp } from '#lib/billing/auto-topup-trigger';
import { backOff, oneAtATime } from '#lib/billing/account-queue';
import { autoTopUpRequestPut } from '#lib/db/auto-topups';
import {
  writeBalanceChange,
  type AccountSideChange,
  type BalanceSnapshot,
  type LedgerEntryRecord,
  type LedgerEntryType,
  type TransactionItem,
  type TrialChange,
} from '#lib/db/ledger';

export type CreditType = Extract<LedgerEntryType, 'grant' | 'topup' | 'refund'>;
export type DebitType = Extract<LedgerEntryType, 'indexing' | 'search' | 'storage'>;

/** Enough for dozens of processes racing on one account; past that, failing loudly beats spinning. */
const MAX_ATTEMPTS = 60;

export function newLedgerEntry(type: LedgerEntryType, amountMicros: number, balanceAfterMicros: number, description: string): LedgerEntryRecord {
  return {
    id: newId('transaction'),
    type,
    amount_micros: amountMicros,
    balance_after_micros: balanceAfterMicros,
    description,
    created_at: now().toISOString(),
  };
}

export function balanceOf(account: AccountRecord): BalanceSnapshot {
  return { credits_micros: account.credits_micros ?? 0, trial_credit_remaining_micros: account.trial_credit_remaining_micros };
}

/** What a caller wants done to the balance it was shown; undefined: nothing to do. */
export interface PlannedChange {
  type: LedgerEntryType;
  amountMicros: number;
  description: string;
  trial: TrialChange;
  /** Writes that must go with the change or not at all (see BalanceChange.alongside). */
  alongside?: readonly TransactionItem[];
  /** Other changes to the account item made with it (see AccountSideChange). */
  account?: AccountSideChange;
}

/**
 * The one way a credit balance moves (plans.md, Prices: integer micro-dollars, each change one
 * transaction with the ledger row saying why). Reads the account, asks `plan` what to change
 * given what it shows, and writes that only if the account still shows it (optimistic
 * concurrency): `balance_after_micros` is exact and concurrent debits never take the balance
 * below zero. A writer that lost the race reads again. Returns the ledger row written, or
 * undefined when `plan` decided there was nothing to do or an `alongside` write was refused.
 * A change that takes the balance below the auto top-up threshold also writes the top-up request
 * (see auto-topup-trigger.ts), in the same transaction.
 */
export function changeBalance(accountId: string, plan: (account: AccountRecord) => PlannedChange | undefined): Promise<LedgerEntryRecord | undefined> {
  return oneAtATime(accountId, () => writeChange(accountId, plan));
}

async function writeChange(accountId: string, plan: (account: AccountRecord) => PlannedChange | undefined): Promise<LedgerEntryRecord | undefined> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const account = await getAccount(accountId);
    if (!account) throw new AppError('NOT_FOUND', 'Account not found');
    const change = plan(account);
    if (!change) return undefined;
    const seen = balanceOf(account);
    const entry = newLedgerEntry(change.type, change.amountMicros, seen.credits_micros + change.amountMicros, change.description);
    const autoTopUp = autoTopUpRequestFor(account, seen.credits_micros, entry.balance_after_micros, entry.created_at);
    // Event rows go last: `alongside` conditions are recognised by their position right after the ledger row.
    const creditEvents = creditEventWrites(accountId, seen.credits_micros, entry.balance_after_micros);
    const alongside = [...(change.alongside ?? []), ...(autoTopUp ? [autoTopUpRequestPut(autoTopUp)] : []), ...creditEvents.puts];
    const sideChange: AccountSideChange = { ...change.account, ...(autoTopUp ? { autoTopUp: { kind: 'claim', requestId: autoTopUp.request_id } } : {}) };
    const outcome = await writeBalanceChange({ accountId, seen, entry, trial: change.trial, alongside, account: sideChange });
    if (outcome === 'written') {
      if (autoTopUp) dispatchAutoTopUp(autoTopUp);
      announceCreditEvents(accountId, creditEvents);
      return entry;
    }
    if (outcome === 'refused') return undefined;
    // Another process changed the account meanwhile: jittered, growing pauses keep the losers from colliding again in lockstep.
    await backOff(attempt);
  }
  throw new Error(`The balance of ${accountId} kept changing under ${MAX_ATTEMPTS} attempts to write it`);
}

function requirePositiveMicros(amountMicros: number): void {
  if (!Number.isSafeInteger(amountMicros) || amountMicros <= 0) {
    throw new Error(`A ledger amount is a positive whole number of micro-dollars (got ${amountMicros})`);
  }
}

/** Adds to the balance. Credit bought or granted is not trial credit: it never expires. */
export async function credit(accountId: string, amountMicros: number, type: CreditType, description: string): Promise<LedgerEntryRecord> {
  requirePositiveMicros(amountMicros);
  const entry = await changeBalance(accountId, () => ({ type, amountMicros, description, trial: { kind: 'unchanged' } }));
  if (!entry) throw new Error('A credit always writes a ledger row');
  return entry;
}

/**
 * INSUFFICIENT_CREDITS for an account suspended from paid work: its balance is below zero since a refund or dispute
 * took back credit it had already spent (lib/billing/reversals.ts); GET /v1/billing says `suspended`.
 */
export function suspendedError(balanceMicros?: number): AppError {
  const owed = balanceMicros === undefined ? '' : ` (the balance is ${balanceMicros} micro-dollars)`;
  return new AppError(
    'INSUFFICIENT_CREDITS',
    `The account is suspended from paid work: a refunded or disputed card payment took back credit already spent${owed}; top up to bring the balance back to zero or above`,
  );
}

/** A debit as planned, with how much of it trial credit pays (what a refund gives back as trial credit). */
export interface PlannedDebit extends PlannedChange {
  trialFundedMicros: number;
}

/**
 * What a debit of `amountMicros` does to the balance it was shown: trial credit first (what is spent
 * of it can no longer expire); INSUFFICIENT_CREDITS, changing nothing, when it cannot pay the whole.
 */
export function plannedDebit(account: AccountRecord, amountMicros: number, type: DebitType, description: string): PlannedDebit {
  const { credits_micros: balance } = balanceOf(account);
  if (balance < 0) throw suspendedError(balance);
  if (balance < amountMicros) {
    throw new AppError('INSUFFICIENT_CREDITS', `The credit balance (${balance} micro-dollars) cannot pay ${amountMicros} micro-dollars; top up to continue`);
  }
  return takeTrialFirst(account, amountMicros, type, description);
}

/** A debit of what there is, up to `amountMicros` (storage accrual: plans.md, "takes what is there"). */
export function plannedDebitUpTo(account: AccountRecord, amountMicros: number, type: DebitType, description: string): PlannedDebit {
  return takeTrialFirst(account, Math.min(amountMicros, Math.max(0, balanceOf(account).credits_micros)), type, description);
}

function takeTrialFirst(account: AccountRecord, amountMicros: number, type: DebitType, description: string): PlannedDebit {
  const trialRemaining = balanceOf(account).trial_credit_remaining_micros;
  if (trialRemaining === undefined) return { type, amountMicros: -amountMicros, description, trial: { kind: 'unchanged' }, trialFundedMicros: 0 };
  const trialFundedMicros = Math.min(trialRemaining, amountMicros);
  return { type, amountMicros: -amountMicros, description, trial: { kind: 'remaining', micros: trialRemaining - trialFundedMicros }, trialFundedMicros };
}

/**
 * Gives back `amountMicros` of an earlier debit, `trialMicros` of which trial credit had paid. That
 * part comes back as trial credit, still expiring on the trial's date; once the trial has ended it
 * is not returned at all (it would have expired with the rest). The row then says so, even when
 * nothing is left to give back, so the ledger explains the released hold.
 */
export function plannedRefund(account: AccountRecord, amountMicros: number, trialMicros: number, description: string): PlannedChange {
  const trialPart = Math.min(Math.max(0, trialMicros), amountMicros);
  const trialRemaining = balanceOf(account).trial_credit_remaining_micros;
  if (trialPart === 0) return { type: 'refund', amountMicros, description, trial: { kind: 'unchanged' } };
  if (trialRemaining === undefined) {
    return {
      type: 'refund',
      amountMicros: amountMicros - trialPart,
      description: `${description}; ${trialPart} micro-dollars of trial credit not returned (the trial has ended)`,
      trial: { kind: 'unchanged' },
    };
  }
  return { type: 'refund', amountMicros, description, trial: { kind: 'remaining', micros: trialRemaining + trialPart } };
}

export interface Charge {
  entry: LedgerEntryRecord;
  /** How much of it trial credit paid. */
  trialFundedMicros: number;
}

/** Takes `amountMicros` (INSUFFICIENT_CREDITS when the balance cannot pay it) and says how much trial credit paid. */
export async function charge(accountId: string, amountMicros: number, type: DebitType, description: string): Promise<Charge> {
  requirePositiveMicros(amountMicros);
  let trialFundedMicros = 0;
  const entry = await changeBalance(accountId, (account) => {
    const planned = plannedDebit(account, amountMicros, type, description);
    trialFundedMicros = planned.trialFundedMicros;
    return planned;
  });
  if (!entry) throw new Error('A debit always writes a ledger row');
  return { entry, trialFundedMicros };
}

export async function debit(accountId: string, amountMicros: number, type: DebitType, description: string): Promise<LedgerEntryRecord> {
  return (await charge(accountId, amountMicros, type, description)).entry;
}

/** Gives back a charge (see plannedRefund for its trial part). */
export async function refund(accountId: string, amountMicros: number, trialMicros: number, description: string): Promise<LedgerEntryRecord | undefined> {
  requirePositiveMicros(amountMicros);
  return changeBalance(accountId, (account) => plannedRefund(account, amountMicros, trialMicros, description));
}
