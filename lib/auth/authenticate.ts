import { AppError } from '#lib/errors';
import { getAccount, isActive } from '#lib/db/accounts';
import { resolveApiKey } from '#lib/auth/api-keys';
import { resolveSession } from '#lib/auth/sessions';
import { hashToken } from '#lib/auth/secrets';
import type { Principal } from '#lib/auth/principal';
import { isWriteRoute, type AuthKind, type HttpMethod } from '#lib/http/route';

/** A credential of an account being deleted (or gone) is refused at once, whatever index lags behind. */
async function requireActiveAccount(accountId: string, refusal: 'SESSION_EXPIRED' | 'INVALID_API_KEY'): Promise<void> {
  const account = await getAccount(accountId);
  if (!account || !isActive(account)) throw new AppError(refusal);
}

const BEARER = /^Bearer\s+(\S+)$/i;
const TOKEN_SHAPE = /^(fsk|fss)_[A-Za-z0-9_-]{20,200}$/;

/**
 * Steps (2) and (3) of errors.md "Which error wins": is the credential present and valid,
 * and may it do this here.
 */
export async function authenticate(authorization: string | undefined, route: { auth: AuthKind; method: HttpMethod }): Promise<Principal> {
  const token = authorization?.match(BEARER)?.[1];
  if (!token || !TOKEN_SHAPE.test(token)) throw new AppError('UNAUTHORIZED');

  if (token.startsWith('fss_')) {
    const session = await resolveSession(token);
    await requireActiveAccount(session.account_id, 'SESSION_EXPIRED');
    return { kind: 'session', accountId: session.account_id, sessionTokenHash: hashToken(token), permissions: 'all' };
  }

  const key = await resolveApiKey(token);
  await requireActiveAccount(key.account_id, 'INVALID_API_KEY');
  if (route.auth === 'session') {
    throw new AppError('FORBIDDEN', 'This route needs a signed-in session; API keys cannot manage keys, billing or the account');
  }
  if (key.permissions === 'read_only' && isWriteRoute(route)) {
    throw new AppError('FORBIDDEN', 'This API key is read-only; use a key with "all" permissions to make changes');
  }
  return { kind: 'api_key', accountId: key.account_id, keyId: key.key_id, permissions: key.permissions };
}
