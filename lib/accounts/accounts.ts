import { newId } from '#lib/ids';
import { now, utcDay } from '#lib/clock';
import { searchesOn } from '#lib/db/search-quota';
import { config } from '#lib/config';
import { AppError } from '#lib/errors';
import { planLimits, plansTable, type PlanId } from '#lib/plans';
import { takeFromWindow } from '#lib/db/rate-limits';
import { trialCreditFor } from '#lib/billing/trial';
import { hashPassword, needsRehash, verifyAgainstDecoy, verifyPassword } from '#lib/auth/secrets';
import { startSession, type IssuedSession } from '#lib/auth/sessions';
import { findAccountIdByEmail, getAccount, insertAccount, replacePasswordHash, requireAccount, type AccountRecord } from '#lib/db/accounts';
import { normalizeEmail } from '#lib/text';

export interface AccountView {
  id: string;
  email: string;
  plan: PlanId;
  credits_micros: number;
  usage: {
    searches_today: number;
    search_quota: number | null;
    storage_bytes: number;
    storage_limit_bytes: number;
  };
  created_at: string;
}

export interface SignedIn {
  account: AccountView;
  session: IssuedSession;
}

function toView(account: AccountRecord, searchesToday = 0): AccountView {
  const limits = planLimits(account.plan);
  return {
    id: account.account_id,
    email: account.email,
    plan: account.plan,
    credits_micros: account.credits_micros ?? 0,
    usage: {
      searches_today: searchesToday,
      search_quota: limits.daily_search_quota,
      storage_bytes: account.storage_bytes ?? 0,
      storage_limit_bytes: limits.storage_limit_bytes,
    },
    created_at: account.created_at,
  };
}

/**
 * A new account. `sourceIp` is where the sign-up came from: the trial credit goes to the first few sign-ups from
 * one address each UTC day (plans table `trial_credits_per_ip_per_day`), so a script cannot farm it; later ones get
 * an account without it.
 */
export async function signUp(email: string, password: string, sourceIp: string): Promise<SignedIn> {
  const normalizedEmail = normalizeEmail(email);
  const signedUpAt = now();
  const plan = config.FRAMESEEK_DEFAULT_PLAN;
  const offered = trialCreditFor(plan, signedUpAt);
  const trial = offered && (await takeTrialFromAddress(sourceIp, signedUpAt)) ? offered : undefined;
  const account: AccountRecord = {
    account_id: newId('account'),
    email: normalizedEmail,
    password_hash: await hashPassword(password),
    plan,
    created_at: signedUpAt.toISOString(),
    ...(trial ? { trial_credit_remaining_micros: trial.trial_credit_remaining_micros, trial_expires_at: trial.trial_expires_at } : {}),
  };
  await insertAccount(account, trial?.entry);
  const session = await startSession(account.account_id);
  return {
    account: toView({ ...account, active_api_keys: 0, storage_bytes: 0, credits_micros: trial?.entry.balance_after_micros ?? 0 }),
    session,
  };
}

const DAY_SECS = 24 * 60 * 60;

/** Counts a trial credit against the address's UTC day; false once the day's are given out. */
async function takeTrialFromAddress(sourceIp: string, at: Date): Promise<boolean> {
  const limit = plansTable.rate_limits.trial_credits_per_ip_per_day;
  if (limit === 0) return false;
  const dayStartSecs = Math.floor(at.getTime() / 1000 / DAY_SECS) * DAY_SECS;
  return (await takeFromWindow(`ip:${sourceIp}`, 'trial_credit', dayStartSecs, limit, dayStartSecs + 2 * DAY_SECS)) !== undefined;
}

const WRONG_PAIR = 'Email or password is incorrect';

export async function logIn(email: string, password: string): Promise<SignedIn> {
  const accountId = await findAccountIdByEmail(normalizeEmail(email));
  const account = accountId ? await getAccount(accountId) : undefined;
  const matches = account ? await verifyPassword(password, account.password_hash) : await verifyAgainstDecoy(password);
  if (!account || !matches) throw new AppError('UNAUTHORIZED', WRONG_PAIR);
  // A hash made at an older, lower cost is replaced now that the password is known: raising the cost reaches every account that signs in.
  if (needsRehash(account.password_hash)) await replacePasswordHash(account.account_id, account.password_hash, await hashPassword(password));
  return { account: toView(account), session: await startSession(account.account_id) };
}

export async function describeAccount(accountId: string): Promise<AccountView> {
  const [account, searchesToday] = await Promise.all([requireAccount(accountId), searchesOn(accountId, utcDay(now()))]);
  return toView(account, searchesToday);
}
