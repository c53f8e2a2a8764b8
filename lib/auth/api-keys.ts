import { newId, newSecret } from '#lib/ids';
import { hashToken } from '#lib/auth/secrets';
import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import { planLimits } from '#lib/plans';
import { getAccount, requireAccount, type AccountRecord } from '#lib/db/accounts';
import type { Page, PageRequest } from '#lib/pagination';
import {
  getApiKey,
  getApiKeyLookup,
  insertApiKey,
  markApiKeyRevoked,
  readApiKeysPage,
  recordApiKeyUse,
  type ApiKeyLookup,
  type ApiKeyRecord,
  type KeyPermissions,
} from '#lib/db/api-keys';

/** last_used_at is precise to this interval, to spare a write on every request. */
const LAST_USED_RESOLUTION_MS = 60 * 1000;
const PREFIX_LENGTH = 12;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  permissions: KeyPermissions;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

function toView(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.key_id,
    name: record.name,
    prefix: record.prefix,
    permissions: record.permissions,
    created_at: record.created_at,
    last_used_at: record.last_used_at,
    revoked_at: record.revoked_at,
  };
}

export async function createApiKey(accountId: string, name: string, permissions: KeyPermissions): Promise<ApiKeyView & { key: string }> {
  const account = await requireAccount(accountId);
  const secret = newSecret('fsk');
  const record: ApiKeyRecord = {
    key_id: newId('apiKey'),
    account_id: accountId,
    name,
    prefix: secret.slice(0, PREFIX_LENGTH),
    permissions,
    secret_hash: hashToken(secret),
    created_at: now().toISOString(),
    last_used_at: null,
    revoked_at: null,
  };
  await insertApiKey(record, planLimits(account.plan).active_api_keys);
  return { ...toView(record), key: secret };
}

/** GET /v1/api_keys: a page by key condition (revoked keys included), the total from the account's counter. */
export async function listKeys(accountId: string, request: PageRequest): Promise<Page<ApiKeyView>> {
  const [page, account] = await Promise.all([
    readApiKeysPage(accountId, { limit: request.perPage, skip: request.skip, after: request.after }),
    getAccount(accountId),
  ]);
  return { items: page.items.map(toView), total: account?.api_key_count ?? 0, page: request.page, per_page: request.perPage, next: page.next };
}

export async function revokeApiKey(accountId: string, keyId: string): Promise<void> {
  const record = await getApiKey(accountId, keyId);
  if (!record) throw new AppError('API_KEY_NOT_FOUND');
  if (record.revoked_at) throw new AppError('API_KEY_ALREADY_REVOKED');
  await markApiKeyRevoked(record, now().toISOString());
}

/**
 * Keys this process has resolved, by secret hash, with the account's `keys_epoch` under which each
 * is known to be valid: every revocation bumps that number in its own transaction, and the account
 * is read on every request anyway (its status), so a known key costs no lookup read of its own —
 * one DynamoDB round trip fewer before anything else can start — and a revoked one is refused at
 * once. The epoch is only taken as proof for a lookup read after it: a lookup read first (on the
 * first request) could predate a revocation that the account read then shows.
 */
interface KnownKey {
  lookup: ApiKeyLookup;
  validAtEpoch?: number;
}

/** Bounds a long-lived process's memory (a few hundred bytes each); the oldest are let go first. */
const MAX_KNOWN_KEYS = 10_000;
const knownKeys = new Map<string, KnownKey>();

function know(secretHash: string, key: KnownKey): void {
  knownKeys.delete(secretHash);
  knownKeys.set(secretHash, key);
  const oldest = knownKeys.keys().next().value;
  if (knownKeys.size > MAX_KNOWN_KEYS && oldest !== undefined) knownKeys.delete(oldest);
}

async function validLookup(secretHash: string): Promise<ApiKeyLookup> {
  const lookup = await getApiKeyLookup(secretHash);
  if (!lookup || lookup.revoked_at) {
    knownKeys.delete(secretHash);
    throw new AppError('INVALID_API_KEY');
  }
  return lookup;
}

/** Records the key's use when the last one recorded is older than LAST_USED_RESOLUTION_MS. */
async function recordUse(secretHash: string, lookup: ApiKeyLookup, validAtEpoch: number | undefined): Promise<ApiKeyLookup> {
  const usedAt = now();
  const staleBefore = new Date(usedAt.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
  if (lookup.last_used_at !== null && lookup.last_used_at >= staleBefore) return lookup;
  await recordApiKeyUse(lookup, usedAt.toISOString(), staleBefore);
  const used = { ...lookup, last_used_at: usedAt.toISOString() };
  know(secretHash, { lookup: used, ...(validAtEpoch === undefined ? {} : { validAtEpoch }) });
  return used;
}

/**
 * Resolves a presented API key or throws INVALID_API_KEY, with `checkAccount` (the account's
 * status, and what runs beside it) run for its account; records the key's use.
 */
export async function resolveApiKey<T extends { account: AccountRecord }>(
  secret: string,
  checkAccount: (accountId: string) => Promise<T>,
): Promise<{ lookup: ApiKeyLookup; checked: T }> {
  const secretHash = hashToken(secret);
  const known = knownKeys.get(secretHash);
  if (known) {
    const checked = await checkAccount(known.lookup.account_id);
    const epoch = checked.account.keys_epoch ?? 0;
    if (known.validAtEpoch === epoch) return { lookup: await recordUse(secretHash, known.lookup, epoch), checked };
    // Read after the account: valid at `epoch`, since a revocation from now on moves it.
    const lookup = await validLookup(secretHash);
    know(secretHash, { lookup, validAtEpoch: epoch });
    return { lookup: await recordUse(secretHash, lookup, epoch), checked };
  }
  const lookup = await validLookup(secretHash);
  const checked = await checkAccount(lookup.account_id);
  know(secretHash, { lookup });
  return { lookup: await recordUse(secretHash, lookup, undefined), checked };
}
