import { newId, newSecret } from '#lib/ids';
import { hashToken } from '#lib/auth/secrets';
import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import { planLimits } from '#lib/billing/plans';
import { requireAccount } from '#lib/accounts/accounts';
import {
  getApiKey,
  getApiKeyLookup,
  insertApiKey,
  listApiKeys,
  markApiKeyRevoked,
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

export async function listKeys(accountId: string): Promise<ApiKeyView[]> {
  return (await listApiKeys(accountId)).map(toView);
}

export async function revokeApiKey(accountId: string, keyId: string): Promise<void> {
  const record = await getApiKey(accountId, keyId);
  if (!record) throw new AppError('API_KEY_NOT_FOUND');
  if (record.revoked_at) throw new AppError('API_KEY_ALREADY_REVOKED');
  await markApiKeyRevoked(record, now().toISOString());
}

/** Resolves a presented API key or throws INVALID_API_KEY; records its use. */
export async function resolveApiKey(secret: string): Promise<ApiKeyLookup> {
  const lookup = await getApiKeyLookup(hashToken(secret));
  if (!lookup || lookup.revoked_at) throw new AppError('INVALID_API_KEY');
  const usedAt = now();
  const staleBefore = new Date(usedAt.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
  if (lookup.last_used_at === null || lookup.last_used_at < staleBefore) {
    await recordApiKeyUse(lookup, usedAt.toISOString(), staleBefore);
  }
  return lookup;
}
