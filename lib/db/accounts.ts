import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { countInRange, gsi1Page } from '#lib/db/query';
import { failedConditionIndexes, isConditionFailure, transactConditionally } from '#lib/db/conditions';
import { ledgerEntryPut, type LedgerEntryRecord } from '#lib/db/ledger';
import { AppError } from '#lib/errors';
import type { PlanId } from '#lib/plans';

export interface AccountRecord {
  account_id: string;
  email: string;
  password_hash: string;
  plan: PlanId;
  created_at: string;
  active_api_keys?: number;
  /** Webhook endpoints: the plan's cap and GET /v1/webhooks's total. */
  webhook_endpoints?: number;
  /**
   * Counts revocations of the account's API keys, in the revoking transaction: authentication
   * keeps keys it has resolved per process and trusts one only while this number is unchanged
   * (lib/auth/api-keys.ts).
   */
  keys_epoch?: number;
  storage_bytes?: number;
  credits_micros?: number;
  /** What is left of the sign-up trial credit; spending takes it first. Absent once the trial is over. */
  trial_credit_remaining_micros?: number;
  /** When the rest of the trial credit is taken back (the daily run finds it by its UTC day). */
  trial_expires_at?: string;
  /** Absent means active. `deleting`: every credential refused, data being swept; `deleted`: only the ledger remains. */
  status?: 'active' | 'deleting' | 'deleted';
  deletion_id?: string;
  /** The account's Stripe customer, created by the first billing action that needs one. */
  stripe_customer_id?: string;
  /** The card saved by the last completed Checkout; off-session charges use it. */
  payment_method?: SavedPaymentMethod;
  auto_topup?: AutoTopUpSettings;
  /** The auto top-up request in flight (set by the debit that crossed the threshold, cleared with its credit or outcome). */
  auto_topup_pending?: string;
  /** Why the last auto top-up failed; shown until auto top-up is switched on again. */
  auto_topup_failure?: AutoTopUpFailure;
  /**
   * Counts the times one of the account's videos stopped being searchable (marked deleting, or
   * removed), in the same transaction as that change. Search caches what it read of ready videos
   * per process and trusts the cache only while this number stays as it was.
   */
  videos_epoch?: number;
  /**
   * Counts the times one of the account's videos had its rows swapped into the search index,
   * bumped right after each swap (before the job is marked done, so a crash in between bumps it
   * again on the retry): search rebuilds the account's in-memory text matcher when it changes
   * (lib/search/account-text.ts).
   */
  index_epoch?: number;
  /**
   * Counts the changes to the account's search feedback (a vote recorded or withdrawn), in the
   * same transaction as the change: search keeps the account's hidden segments per process while
   * this number stays as it was (lib/search/hidden.ts).
   */
  feedback_epoch?: number;
  /**
   * The lists' totals (`meta.total`), each changed in the transaction that adds or removes what it
   * counts, never by a scan. Absent reads as 0: an account made before the counters existed is
   * recounted once by `frameseek admin recount-lists` (countListRows, setListCounters).
   */
  collection_count?: number;
  /** Video rows (and, below, job rows) of the account: a video being deleted counts until its rows go. */
  video_count?: number;
  job_count?: number;
  api_key_count?: number;
  ledger_entries?: number;
}

/** The account counters behind the lists' totals (see AccountRecord). */
export type ListCounter = 'collection_count' | 'video_count' | 'job_count' | 'api_key_count' | 'ledger_entries';

/**
 * What the list counters should say, counted from the rows (keys only): for an account made before
 * the counters existed. Not atomic with writes going on meanwhile: run it when the account is quiet.
 */
export async function countListRows(accountId: string): Promise<Record<ListCounter, number>> {
  const [collection_count, video_count, job_count, api_key_count, ledger_entries] = await Promise.all([
    countInRange(keys.collectionsOf(accountId), { expression: '#status = :active', names: { '#status': 'status' }, values: { ':active': 'active' } }),
    countInRange(keys.videosOf(accountId), undefined),
    countInRange(keys.jobsOf(accountId), undefined),
    countInRange(keys.apiKeysOf(accountId), undefined),
    countInRange(keys.ledgerOf(accountId), undefined),
  ]);
  return { collection_count, video_count, job_count, api_key_count, ledger_entries };
}

export async function setListCounters(accountId: string, counts: Record<ListCounter, number>): Promise<void> {
  const names = Object.keys(counts) as ListCounter[];
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: `SET ${names.map((name) => `${name} = :${name}`).join(', ')}`,
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, counts[name]])),
    }),
  );
}

/**
 * The account item's part of a transaction that adds to (or takes from) list counters. No condition:
 * it never refuses the write it goes with (an account's row outlives its deletion, which only marks it).
 */
export function listCountersChange(accountId: string, changes: Partial<Record<ListCounter, number>>) {
  const names = Object.keys(changes) as ListCounter[];
  return {
    Update: {
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: `ADD ${names.map((name) => `${name} :${name}`).join(', ')}`,
      ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, changes[name]])),
    },
  };
}

export interface AutoTopUpFailure {
  code: 'PAYMENT_FAILED' | 'PAYMENT_METHOD_REQUIRED' | 'BILLING_NOT_CONFIGURED';
  message: string;
  failed_at: string;
}

export interface SavedPaymentMethod {
  /** Stripe's PaymentMethod id (pm_…). */
  id: string;
  brand: string;
  last4: string;
}

export interface AutoTopUpSettings {
  enabled: boolean;
  threshold_micros: number;
  amount_micros: number;
}

export function isActive(account: Pick<AccountRecord, 'status'>): boolean {
  return account.status === undefined || account.status === 'active';
}

/**
 * First step of DELETE /v1/account: from now on no credential of the account works, its email is
 * free and detached from what is kept (the ledger), and it is listed for the resumable sweep.
 */
export async function markAccountDeleting(account: AccountRecord, deletionId: string, at: string): Promise<boolean> {
  const deleting = keys.accountDeleting(account.account_id);
  return (
    (
      await transactConditionally([
        {
          Update: {
            TableName: tableName,
            Key: keys.account(account.account_id),
            UpdateExpression:
              'SET #status = :deleting, deletion_id = :deletionId, deletion_requested_at = :at, email = :detached, GSI1PK = :gsiPk, GSI1SK = :gsiSk REMOVE password_hash',
            ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(#status) OR #status = :active)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':deleting': 'deleting',
              ':active': 'active',
              ':deletionId': deletionId,
              ':at': at,
              ':detached': `deleted:${account.account_id}`,
              ':gsiPk': deleting.GSI1PK,
              ':gsiSk': deleting.GSI1SK,
            },
          },
        },
        {
          Delete: {
            TableName: tableName,
            Key: keys.emailGuard(account.email),
            ConditionExpression: 'attribute_not_exists(PK) OR account_id = :id',
            ExpressionAttributeValues: { ':id': account.account_id },
          },
        },
      ])
    ).length === 0
  );
}

/** Last step of the sweep: the account row stays (the ledger hangs off it) but leaves the sweep list. */
export async function markAccountDeleted(accountId: string, at: string): Promise<void> {
  await db
    .send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.account(accountId),
        UpdateExpression: 'SET #status = :deleted, deleted_at = :at REMOVE GSI1PK, GSI1SK',
        ConditionExpression: '#status = :deleting',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':deleted': 'deleted', ':deleting': 'deleting', ':at': at },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
}

export async function listDeletingAccountIds(limit: number): Promise<string[]> {
  const items = await gsi1Page<{ account_id?: unknown }>(keys.deletingAccounts().GSI1PK, 'account_id', limit);
  return items.flatMap((item) => (typeof item.account_id === 'string' ? [item.account_id] : []));
}

/**
 * Creates the account under its email guard. An opening credit (the trial) is written in the same
 * transaction as its ledger row, so no account ever shows credit its ledger does not explain.
 */
export async function insertAccount(account: AccountRecord, openingCredit?: LedgerEntryRecord): Promise<void> {
  const trialIndex = account.trial_expires_at ? keys.trialExpiryIndex(account.trial_expires_at.slice(0, 10), account.account_id) : {};
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.emailGuard(account.email), account_id: account.account_id },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: {
                ...keys.account(account.account_id),
                ...trialIndex,
                ...account,
                active_api_keys: 0,
                storage_bytes: 0,
                ledger_entries: openingCredit ? 1 : 0,
                credits_micros: openingCredit?.balance_after_micros ?? 0,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          ...(openingCredit ? [ledgerEntryPut(account.account_id, openingCredit)] : []),
          ...(account.plan === 'payg' ? [storageBilledPut(account.account_id, account.created_at)] : []),
        ],
      }),
    );
  } catch (error) {
    if (failedConditionIndexes(error)?.includes(0)) throw new AppError('ACCOUNT_EXISTS');
    throw error;
  }
}

export async function findAccountIdByEmail(email: string): Promise<string | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.emailGuard(email), ConsistentRead: true }));
  const accountId: unknown = result.Item?.account_id;
  return typeof accountId === 'string' ? accountId : undefined;
}

export async function getAccount(accountId: string): Promise<AccountRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.account(accountId), ConsistentRead: true }));
  return result.Item as AccountRecord | undefined;
}

/** The account behind a credential, which must still exist: one that is gone is as good as revoked. */
export async function requireAccount(accountId: string): Promise<AccountRecord> {
  const account = await getAccount(accountId);
  if (!account) throw new AppError('UNAUTHORIZED', 'The account behind this credential no longer exists');
  return account;
}

/**
 * Pay-as-you-go accounts pay for storage (plans.md, Prices): each is listed under STORAGE_BILLED,
 * written and removed in the same transaction as the plan, for the daily accrual to walk.
 * `since` (the first day charged) stays as it was when the plan is set to payg again.
 */
function storageBilledPut(accountId: string, sinceIso: string) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.storageBilledAccount(accountId),
      UpdateExpression: 'SET account_id = :id, since_day = if_not_exists(since_day, :since)',
      ExpressionAttributeValues: { ':id': accountId, ':since': sinceIso.slice(0, 10) },
    },
  };
}

function storageBilledDelete(accountId: string) {
  return { Delete: { TableName: tableName, Key: keys.storageBilledAccount(accountId) } };
}

/**
 * Suspended from paid work: a refund or dispute took back credit that was already spent, so the balance is below
 * zero (lib/billing/reversals.ts). Every debit needs a balance that covers it; Free searches are refused too.
 * A top-up that brings the balance back to zero or above lifts it.
 */
export function isSuspended(account: Pick<AccountRecord, 'credits_micros'>): boolean {
  return (account.credits_micros ?? 0) < 0;
}

/** A stronger hash of the same password, written only over the hash it replaces (a password change meanwhile wins). */
export async function replacePasswordHash(accountId: string, previousHash: string, nextHash: string): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.account(accountId),
        UpdateExpression: 'SET password_hash = :next',
        ConditionExpression: 'password_hash = :previous',
        ExpressionAttributeValues: { ':next': nextHash, ':previous': previousHash },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Moves an account to another plan (and onto or off the storage-billed list); false when there is no such account. */
export async function updateAccountPlan(accountId: string, plan: PlanId, at: string): Promise<boolean> {
  const failed = await transactConditionally([
    {
      Update: {
        TableName: tableName,
        Key: keys.account(accountId),
        UpdateExpression: 'SET #plan = :plan',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#plan': 'plan' },
        ExpressionAttributeValues: { ':plan': plan },
      },
    },
    plan === 'payg' ? storageBilledPut(accountId, at) : storageBilledDelete(accountId),
  ]);
  return failed.length === 0;
}

export interface StorageBilledAccount {
  account_id: string;
  /** The first UTC day whose storage is charged: the day the account moved to pay as you go. */
  since_day: string;
}

/** One page of the storage-billed list, and where the next starts. */
export async function listStorageBilledAccounts(
  cursor: Record<string, unknown> | undefined,
): Promise<{ accounts: StorageBilledAccount[]; next: Record<string, unknown> | undefined }> {
  const { PK, SKPrefix } = keys.storageBilledAccounts();
  const page = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix },
      ExclusiveStartKey: cursor,
      Limit: 100,
    }),
  );
  const accounts = ((page.Items ?? []) as StorageBilledAccount[]).map((item) => ({ account_id: item.account_id, since_day: item.since_day }));
  return { accounts, next: page.LastEvaluatedKey };
}

/** An entry whose account has left pay as you go by another way, or is deleted: nothing to charge any more. */
export async function dropStorageBilledAccount(accountId: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName, Key: keys.storageBilledAccount(accountId) }));
}

/**
 * A transaction item moving the account's storage counter by `deltaBytes`; with a limit, the item
 * refuses (condition) to take the counter past it — the plan's storage check, made atomic.
 */
export function storageChange(accountId: string, deltaBytes: number, limitBytes?: number) {
  const limited = limitBytes !== undefined;
  return {
    Update: {
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: 'ADD storage_bytes :delta',
      ...(limited ? { ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(storage_bytes) OR storage_bytes <= :maxBefore)' } : {}),
      ExpressionAttributeValues: { ':delta': deltaBytes, ...(limited ? { ':maxBefore': limitBytes - deltaBytes } : {}) },
    },
  };
}

/**
 * The account item's part of a transaction that takes one of its videos out of search (see `videos_epoch`);
 * `removedRows` when the video's and its job's rows go too (the lists' counters).
 */
export function videoHidden(accountId: string, releasedBytes = 0, removedRows = false) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: `ADD storage_bytes :delta, videos_epoch :one${removedRows ? ', video_count :minusOne, job_count :minusOne' : ''}`,
      ExpressionAttributeValues: { ':delta': -releasedBytes, ':one': 1, ...(removedRows ? { ':minusOne': -1 } : {}) },
    },
  };
}

/**
 * The account item's part of a transaction that counts one more of something the plan caps; its
 * condition fails at the cap (or for an account that is gone), so nothing past the cap is written.
 */
export function countedUnderCap(accountId: string, counter: 'active_api_keys' | 'webhook_endpoints', cap: number, alsoCounted?: ListCounter) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: `ADD ${counter} :one${alsoCounted ? `, ${alsoCounted} :one` : ''}`,
      ConditionExpression: `attribute_exists(PK) AND (attribute_not_exists(${counter}) OR ${counter} < :cap)`,
      ExpressionAttributeValues: { ':one': 1, ':cap': cap },
    },
  };
}

/** The account item's part of a transaction that changes its search feedback (see `feedback_epoch`). */
export function feedbackChanged(accountId: string) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: 'ADD feedback_epoch :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/** After a video's rows were swapped into the search index: text search rebuilds what it holds of the account (see `index_epoch`). */
export async function markIndexChanged(accountId: string): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: 'ADD index_epoch :one',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

/**
 * Records the account's Stripe customer unless it already has one; returns the one it holds.
 * Two requests racing to create a customer both end up with the first one recorded.
 */
export async function recordStripeCustomer(accountId: string, customerId: string): Promise<string> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.account(accountId),
        UpdateExpression: 'SET stripe_customer_id = :customerId',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(stripe_customer_id)',
        ExpressionAttributeValues: { ':customerId': customerId },
      }),
    );
    return customerId;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const recorded = (await getAccount(accountId))?.stripe_customer_id;
    if (!recorded) throw new AppError('NOT_FOUND', 'Account not found');
    return recorded;
  }
}

/** Makes `method` the card off-session charges use. */
export async function saveDefaultPaymentMethod(accountId: string, method: SavedPaymentMethod): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: 'SET payment_method = :method',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':method': { id: method.id, brand: method.brand, last4: method.last4 } },
    }),
  );
}

/** Saves the settings; switching auto top-up on again clears the failure that switched it off. */
export async function saveAutoTopUp(accountId: string, settings: AutoTopUpSettings): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.account(accountId),
      UpdateExpression: `SET auto_topup = :settings${settings.enabled ? ' REMOVE auto_topup_failure' : ''}`,
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: {
        ':settings': { enabled: settings.enabled, threshold_micros: settings.threshold_micros, amount_micros: settings.amount_micros },
      },
    }),
  );
}

/** Ends the account's pending auto top-up `requestId` (no-op when another or none is pending). */
export async function releaseAutoTopUpClaim(accountId: string, requestId: string): Promise<void> {
  await updateIfPending(accountId, 'REMOVE auto_topup_pending', { ':request': requestId });
}

/**
 * The card cannot be charged (declined, authentication wanted, gone): auto top-up is switched off
 * and says why, rather than failing again at every crossing; the pending request ends with it.
 */
export async function disableAutoTopUpAfterFailure(accountId: string, requestId: string, failure: AutoTopUpFailure): Promise<void> {
  await updateIfPending(accountId, 'SET auto_topup.enabled = :off, auto_topup_failure = :failure REMOVE auto_topup_pending', {
    ':request': requestId,
    ':off': false,
    ':failure': failure,
  });
}

/** A failure that leaves the settings alone (this deployment cannot charge at all): recorded, and the request ends. */
export async function recordAutoTopUpFailure(accountId: string, requestId: string, failure: AutoTopUpFailure): Promise<void> {
  await updateIfPending(accountId, 'SET auto_topup_failure = :failure REMOVE auto_topup_pending', { ':request': requestId, ':failure': failure });
}

async function updateIfPending(accountId: string, updateExpression: string, values: Record<string, unknown>): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.account(accountId),
        UpdateExpression: updateExpression,
        ConditionExpression: 'auto_topup_pending = :request',
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
