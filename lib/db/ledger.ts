import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { gsi1All, readNewestFirst, type ListRead } from '#lib/db/query';
import type { LedgerEntryType } from '#lib/db/ledger-types';

export { LEDGER_ENTRY_TYPES, type LedgerEntryType } from '#lib/db/ledger-types';

/** One ledger row: exactly what GET /v1/billing/transactions shows. */
export interface LedgerEntryRecord {
  id: string;
  type: LedgerEntryType;
  /** Signed: a credit is positive, a debit negative. */
  amount_micros: number;
  balance_after_micros: number;
  description: string;
  created_at: string;
}

/** The transaction item writing a ledger row; it goes with the balance change it records, never alone. */
export function ledgerEntryPut(accountId: string, entry: LedgerEntryRecord) {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.ledgerEntry(accountId, entry.id), ...entry },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/** The balance fields of an account as they were read; a change is written only while they still hold. */
export interface BalanceSnapshot {
  credits_micros: number;
  /** undefined: the account has no running trial. */
  trial_credit_remaining_micros: number | undefined;
}

/** What happens to the trial credit alongside the balance change. */
export type TrialChange = { kind: 'unchanged' } | { kind: 'remaining'; micros: number } | { kind: 'ended' };

export type TransactionItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Other changes to the account item that must happen with the balance change (a transaction may
 * write an item only once, so they join its update rather than being items of their own).
 */
export interface AccountSideChange {
  /** The storage counter moves with the change (upload creation), refused past the plan's limit. */
  storage?: { deltaBytes: number; limitBytes: number };
  /**
   * `claim`: this change crossed the auto top-up threshold and records the request it made (only
   * while no other is pending). `settle`: the request's credit has landed, so the next crossing may charge again.
   */
  autoTopUp?: { kind: 'claim' | 'settle'; requestId: string };
  /** Rows the change adds to the lists (upload creation: a video and its job), counted with it (`meta.total`). */
  listed?: { videos: number; jobs: number };
}

export interface BalanceChange {
  accountId: string;
  seen: BalanceSnapshot;
  entry: LedgerEntryRecord;
  trial: TrialChange;
  /**
   * Writes that must happen with this change or not at all (e.g. clearing the reservation a refund
   * gives back). Their conditions failing means the work was already done: nothing is written.
   */
  alongside?: readonly TransactionItem[];
  account?: AccountSideChange;
  /**
   * A take-back of credit Stripe returned to the card (a refund, a dispute): written whatever the balance, which
   * may then fall below zero; every debit still needs a balance that covers it, so paid work stops until a top-up.
   */
  mayGoNegative?: boolean;
}

/** `refused`: one of the `alongside` writes' conditions failed, so the change must not happen. */
export type BalanceWriteOutcome = 'written' | 'lost_race' | 'refused';

/** The account item's update: the balance as seen, and what goes with it. */
function accountUpdate(change: BalanceChange) {
  const { accountId, seen, entry, trial } = change;
  const values: Record<string, number | string> = { ':seenCredits': seen.credits_micros, ':after': entry.balance_after_micros };
  const conditions = ['attribute_exists(PK)'];
  // Every account is created with the attribute; should one lack it, it reads as zero rather than refusing every change.
  conditions.push(seen.credits_micros === 0 ? '(attribute_not_exists(credits_micros) OR credits_micros = :seenCredits)' : 'credits_micros = :seenCredits');
  if (entry.amount_micros < 0 && !change.mayGoNegative) {
    conditions.push('credits_micros >= :debit');
    values[':debit'] = -entry.amount_micros;
  }
  if (seen.trial_credit_remaining_micros === undefined) {
    conditions.push('attribute_not_exists(trial_credit_remaining_micros)');
  } else {
    conditions.push('trial_credit_remaining_micros = :seenTrial');
    values[':seenTrial'] = seen.trial_credit_remaining_micros;
  }

  const sets = ['credits_micros = :after'];
  const removes: string[] = [];
  // Every change writes one ledger row: GET /v1/billing/transactions counts them here.
  const adds: string[] = ['ledger_entries :oneEntry'];
  values[':oneEntry'] = 1;
  if (trial.kind === 'remaining') {
    sets.push('trial_credit_remaining_micros = :trialRemaining');
    values[':trialRemaining'] = trial.micros;
  } else if (trial.kind === 'ended') {
    // Leaving the expiry index too is what makes the daily expiry idempotent.
    removes.push('trial_credit_remaining_micros', 'trial_expires_at', 'GSI1PK', 'GSI1SK');
  }
  const { storage, autoTopUp, listed } = change.account ?? {};
  if (listed) {
    adds.push('video_count :listedVideos', 'job_count :listedJobs');
    values[':listedVideos'] = listed.videos;
    values[':listedJobs'] = listed.jobs;
  }
  if (storage) {
    adds.push('storage_bytes :storageDelta');
    conditions.push('(attribute_not_exists(storage_bytes) OR storage_bytes <= :storageMaxBefore)');
    values[':storageDelta'] = storage.deltaBytes;
    values[':storageMaxBefore'] = storage.limitBytes - storage.deltaBytes;
  }
  if (autoTopUp) {
    values[':autoTopUp'] = autoTopUp.requestId;
    if (autoTopUp.kind === 'claim') {
      sets.push('auto_topup_pending = :autoTopUp');
      conditions.push('attribute_not_exists(auto_topup_pending)');
    } else {
      removes.push('auto_topup_pending');
      conditions.push('auto_topup_pending = :autoTopUp');
    }
  }

  const clauses = [
    `SET ${sets.join(', ')}`,
    ...(removes.length > 0 ? [`REMOVE ${removes.join(', ')}`] : []),
    ...(adds.length > 0 ? [`ADD ${adds.join(', ')}`] : []),
  ];
  return {
    Update: {
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: clauses.join(' '),
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * Writes a balance change and its ledger row in one transaction, on condition that the account
 * still shows `seen` (so `balance_after_micros` is exact) and, for a debit, that the balance
 * covers it. `lost_race` when the account moved in between (or another writer held it, or a side
 * change's condition failed): the caller reads again and decides afresh.
 */
export async function writeBalanceChange(change: BalanceChange): Promise<BalanceWriteOutcome> {
  const alongside = change.alongside ?? [];
  try {
    await db.send(new TransactWriteCommand({ TransactItems: [accountUpdate(change), ledgerEntryPut(change.accountId, change.entry), ...alongside] }));
    return 'written';
  } catch (error) {
    if (alongsideRefused(error)) return 'refused';
    if (isLostRace(error)) return 'lost_race';
    throw error;
  }
}

/** An `alongside` write (items after the account update and the ledger row) failed its condition. */
function alongsideRefused(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  return (error.CancellationReasons ?? []).some((reason, index) => index >= 2 && reason.Code === 'ConditionalCheckFailed');
}

/** The transaction was refused because the account changed, or another transaction held it at that moment. */
function isLostRace(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
  return codes.some((code) => code === 'ConditionalCheckFailed' || code === 'TransactionConflict');
}

/** Ledger rows live in the account's partition; they are read newest first (ULIDs sort by time). */
function ledgerQuery(accountId: string): Omit<QueryCommandInput, 'ExclusiveStartKey'> {
  const { PK, SKPrefix } = keys.ledgerOf(accountId);
  return {
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix },
  };
}

/**
 * The newest `count` rows of the account's ledger. A ledger grows with every metered search, so
 * a page reads only as far back as it needs rather than the whole history.
 */
export async function newestLedgerEntries(accountId: string, count: number): Promise<LedgerEntryRecord[]> {
  const entries: LedgerEntryRecord[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({ ...ledgerQuery(accountId), ScanIndexForward: false, Limit: count - entries.length, ExclusiveStartKey: cursor }),
    );
    entries.push(...((page.Items ?? []) as LedgerEntryRecord[]).map(toLedgerEntry));
    cursor = page.LastEvaluatedKey;
  } while (cursor && entries.length < count);
  return entries;
}

/** A page of the account's ledger, newest first. */
export async function readLedgerPage(accountId: string, read: ListRead): Promise<{ items: LedgerEntryRecord[]; next: string | undefined }> {
  const page = await readNewestFirst<LedgerEntryRecord & { SK: string }>(keys.ledgerOf(accountId), read);
  return { items: page.items.map(toLedgerEntry), next: page.next };
}

export async function countLedgerEntries(accountId: string): Promise<number> {
  let total = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...ledgerQuery(accountId), Select: 'COUNT', ExclusiveStartKey: cursor }));
    total += page.Count ?? 0;
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return total;
}

/** The row without its table keys. */
function toLedgerEntry(item: LedgerEntryRecord): LedgerEntryRecord {
  return {
    id: item.id,
    type: item.type,
    amount_micros: item.amount_micros,
    balance_after_micros: item.balance_after_micros,
    description: item.description,
    created_at: item.created_at,
  };
}

/** Ids of the accounts listed under a day of the trial-expiry index (eventually consistent: callers re-read each account). */
export async function accountsWithTrialExpiringOn(dayIso: string): Promise<string[]> {
  const items = await gsi1All<{ account_id?: unknown }>(keys.trialExpiringOn(dayIso).GSI1PK, 'account_id');
  return items.flatMap((item) => (typeof item.account_id === 'string' ? [item.account_id] : []));
}
