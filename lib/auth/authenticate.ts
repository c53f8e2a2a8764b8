import { AppError } from '#lib/errors';
import { getAccount, isActive, type AccountRecord } from '#lib/db/accounts';
import { resolveApiKey } from '#lib/auth/api-keys';
import { resolveSession } from '#lib/auth/sessions';
import { hashToken } from '#lib/auth/secrets';
import type { AccountSnapshot, AuthKind, Principal } from '#lib/auth/principal';
import { isSuspended } from '#lib/db/accounts';

/** A credential of an account being deleted (or gone) is refused at once, whatever index lags behind. */
async function requireActiveAccount(accountId: string, refusal: 'SESSION_EXPIRED' | 'INVALID_API_KEY'): Promise<AccountRecord> {
  const account = await getAccount(accountId);
  if (!account || !isActive(account)) throw new AppError(refusal);
  return account;
}

/**
 * The account check runs side by side with work that needs only the account id (the rate-limit
 * count), saving a round trip per request; a refused credential still answers before anything else.
 */
async function checkAccountAlongside<T>(
  accountId: string,
  refusal: 'SESSION_EXPIRED' | 'INVALID_API_KEY',
  work: (accountId: string) => Promise<T>,
): Promise<{ account: AccountRecord; alongside: T }> {
  const [account, alongside] = await Promise.allSettled([requireActiveAccount(accountId, refusal), work(accountId)]);
  if (account.status === 'rejected') throw account.reason;
  if (alongside.status === 'rejected') throw alongside.reason;
  return { account: account.value, alongside: alongside.value };
}

function snapshotOf(account: AccountRecord): AccountSnapshot {
  return {
    plan: account.plan,
    videosEpoch: account.videos_epoch ?? 0,
    indexEpoch: account.index_epoch ?? 0,
    feedbackEpoch: account.feedback_epoch ?? 0,
    suspended: isSuspended(account),
  };
}

const BEARER = /^Bearer\s+(\S+)$/i;
/**
 * `pf_` is PureFrame's key prefix: a client moved over from PureFrame still sends its old key, which is
 * a well-formed key that does not exist here, so it is looked up and refused like any unknown key
 * (INVALID_API_KEY, same path and timing), never UNAUTHORIZED, which would read as "fix your header".
 */
const TOKEN_SHAPE = /^(fsk|fss|pf)_[A-Za-z0-9_-]{20,200}$/;

/**
 * Steps (2) and (3) of errors.md "Which error wins": is the credential present and valid, and may
 * it do this here. `whileCheckingAccount` runs concurrently with the account's status check; its
 * result is returned beside the principal.
 */
export async function authenticate<T>(
  authorization: string | undefined,
  route: { auth: AuthKind; writes: boolean },
  whileCheckingAccount: (accountId: string) => Promise<T>,
): Promise<{ principal: Principal; alongside: T }> {
  const token = authorization?.match(BEARER)?.[1];
  if (!token || !TOKEN_SHAPE.test(token)) throw new AppError('UNAUTHORIZED');

  if (token.startsWith('fss_')) {
    const session = await resolveSession(token);
    const { account, alongside } = await checkAccountAlongside(session.account_id, 'SESSION_EXPIRED', whileCheckingAccount);
    return {
      principal: { kind: 'session', accountId: session.account_id, account: snapshotOf(account), sessionTokenHash: hashToken(token), permissions: 'all' },
      alongside,
    };
  }

  const {
    lookup: key,
    checked: { account, alongside },
  } = await resolveApiKey(token, (accountId) => checkAccountAlongside(accountId, 'INVALID_API_KEY', whileCheckingAccount));
  if (route.auth === 'session') {
    throw new AppError('FORBIDDEN', 'This route needs a signed-in session; API keys cannot manage keys, billing or the account');
  }
  if (key.permissions === 'read_only' && route.writes) {
    throw new AppError('FORBIDDEN', 'This API key is read-only; use a key with "all" permissions to make changes');
  }
  return {
    principal: { kind: 'api_key', accountId: key.account_id, account: snapshotOf(account), keyId: key.key_id, permissions: key.permissions },
    alongside,
  };
}
