import { now } from '#lib/clock';
import { newId } from '#lib/ids';
import { insertAccount } from '#lib/db/accounts';
import { startSession } from '#lib/auth/sessions';
import { createApiKey } from '#lib/auth/api-keys';

export interface TestAccount {
  accountId: string;
  sessionToken: string;
  /** An API key with `all` permissions. */
  key: string;
  readOnlyKey: string;
}

/**
 * A pay-as-you-go account written straight to the table (no password hashing, no HTTP), with a
 * session and two API keys: for tests of the chain below the sign-up route.
 */
export async function accountWithCredentials(options: { status?: 'deleting' } = {}): Promise<TestAccount> {
  const accountId = newId('account');
  await insertAccount({
    account_id: accountId,
    email: `${accountId}@example.com`,
    password_hash: 'never checked: this account signs in by session only',
    plan: 'payg',
    created_at: now().toISOString(),
    ...(options.status ? { status: options.status } : {}),
  });
  const session = await startSession(accountId);
  const key = await createApiKey(accountId, 'full', 'all');
  const readOnlyKey = await createApiKey(accountId, 'reader', 'read_only');
  return { accountId, sessionToken: session.token, key: key.key, readOnlyKey: readOnlyKey.key };
}
