import { describe, expect, it } from 'vitest';
import { getApiKey, getApiKeyLookup, insertApiKey, listApiKeys, markApiKeyRevoked, recordApiKeyUse, type ApiKeyRecord } from '#lib/db/api-keys';
import { getAccount, insertAccount } from '#lib/db/accounts';
import { keys } from '#lib/db/keys';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

let accounts = 0;
async function newAccount(): Promise<string> {
  accounts += 1;
  const accountId = `acc_keys${accounts}`;
  await insertAccount({ account_id: accountId, email: `${accountId}@example.com`, password_hash: 'x', plan: 'free', created_at: '2026-01-01T00:00:00.000Z' });
  return accountId;
}

function keyRecord(accountId: string, keyId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    key_id: keyId,
    account_id: accountId,
    name: `name of ${keyId}`,
    prefix: 'fsk_abcd',
    permissions: 'all',
    secret_hash: `hash-of-${accountId}-${keyId}`,
    created_at: '2026-01-02T00:00:00.000Z',
    last_used_at: null,
    revoked_at: null,
    ...overrides,
  };
}

describe('API keys of an account', () => {
  it('writes the key, its lookup by secret hash and the active-key count together', async () => {
    // Arrange
    const accountId = await newAccount();
    const record = keyRecord(accountId, 'key_01', { permissions: 'read_only' });

    // Act
    await insertApiKey(record, 2);

    // Assert
    expect(await getApiKey(accountId, 'key_01')).toEqual({ ...keys.apiKey(accountId, 'key_01'), ...record });
    expect(await getApiKeyLookup(record.secret_hash)).toEqual({
      ...keys.apiKeyLookup(record.secret_hash),
      key_id: 'key_01',
      account_id: accountId,
      permissions: 'read_only',
      secret_hash: record.secret_hash,
      last_used_at: null,
      revoked_at: null,
    });
    expect((await getAccount(accountId))?.active_api_keys).toBe(1);
  });

  it("refuses a key past the plan's cap with API_KEY_LIMIT_REACHED and writes nothing", async () => {
    // Arrange
    const accountId = await newAccount();
    await insertApiKey(keyRecord(accountId, 'key_01'), 1);
    const refused = keyRecord(accountId, 'key_02');

    // Act
    const insert = insertApiKey(refused, 1);

    // Assert
    await expect(insert).rejects.toMatchObject({ code: 'API_KEY_LIMIT_REACHED', extras: { limit: 1, used: 1 } });
    expect(await getApiKey(accountId, 'key_02')).toBeUndefined();
    expect(await getApiKeyLookup(refused.secret_hash)).toBeUndefined();
    expect((await getAccount(accountId))?.active_api_keys).toBe(1);
  });

  it('lists the keys of one account only, newest first', async () => {
    // Arrange
    const accountId = await newAccount();
    const otherAccountId = await newAccount();
    for (const keyId of ['key_01', 'key_03', 'key_02']) await insertApiKey(keyRecord(accountId, keyId), 10);
    await insertApiKey(keyRecord(otherAccountId, 'key_04'), 10);

    // Act
    const listed = await listApiKeys(accountId);

    // Assert
    expect(listed.map((key) => key.key_id)).toEqual(['key_03', 'key_02', 'key_01']);
  });

  it('revokes key and lookup, frees a slot and moves keys_epoch; a second revocation is API_KEY_ALREADY_REVOKED', async () => {
    // Arrange
    const accountId = await newAccount();
    const record = keyRecord(accountId, 'key_01');
    await insertApiKey(record, 1);

    // Act
    await markApiKeyRevoked(record, '2026-01-03T00:00:00.000Z');
    const again = markApiKeyRevoked(record, '2026-01-04T00:00:00.000Z');

    // Assert
    await expect(again).rejects.toMatchObject({ code: 'API_KEY_ALREADY_REVOKED' });
    expect((await getApiKey(accountId, 'key_01'))?.revoked_at).toBe('2026-01-03T00:00:00.000Z');
    expect((await getApiKeyLookup(record.secret_hash))?.revoked_at).toBe('2026-01-03T00:00:00.000Z');
    const account = await getAccount(accountId);
    expect({ active: account?.active_api_keys, epoch: account?.keys_epoch }).toEqual({ active: 0, epoch: 1 });
    // The freed slot takes a new key under the same cap.
    await expect(insertApiKey(keyRecord(accountId, 'key_02'), 1)).resolves.toBeUndefined();
  });

  it('records use on key and lookup, at most once per staleness interval', async () => {
    // Arrange
    const accountId = await newAccount();
    const record = keyRecord(accountId, 'key_01');
    await insertApiKey(record, 1);
    const lookup = await getApiKeyLookup(record.secret_hash);
    if (!lookup) throw new Error('lookup not written');

    // Act
    await recordApiKeyUse(lookup, '2026-01-05T10:00:00.000Z', '2026-01-05T09:00:00.000Z');
    await recordApiKeyUse(lookup, '2026-01-05T10:30:00.000Z', '2026-01-05T09:30:00.000Z');
    const afterRecentUse = (await getApiKey(accountId, 'key_01'))?.last_used_at;
    await recordApiKeyUse(lookup, '2026-01-05T12:00:00.000Z', '2026-01-05T11:00:00.000Z');

    // Assert
    expect(afterRecentUse).toBe('2026-01-05T10:00:00.000Z');
    expect((await getApiKey(accountId, 'key_01'))?.last_used_at).toBe('2026-01-05T12:00:00.000Z');
    expect(await storedItem(keys.apiKeyLookup(record.secret_hash))).toMatchObject({ last_used_at: '2026-01-05T12:00:00.000Z' });
  });
});
