import { newSecret } from '#lib/ids';
import { hashToken } from '#lib/auth/secrets';
import { nowMs } from '#lib/clock';
import { AppError } from '#lib/errors';
import { deleteSession, extendSession, getSession, putSession, type SessionRecord } from '#lib/db/sessions';

/** Sessions slide 12 h past their last use and never outlive 7 days (api.md Authentication). */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60 * 1000;
/** Sliding is written at most this often, so a busy console is not one write per request. */
const SLIDE_WRITE_INTERVAL_MS = 5 * 60 * 1000;

export interface IssuedSession {
  token: string;
  expires_at: string;
}

function expiryOf(session: Pick<SessionRecord, 'idle_expires_ms' | 'absolute_expires_ms'>): number {
  return Math.min(session.idle_expires_ms, session.absolute_expires_ms);
}

export async function startSession(accountId: string): Promise<IssuedSession> {
  const token = newSecret('fss');
  const startedMs = nowMs();
  const session: SessionRecord = {
    token_hash: hashToken(token),
    account_id: accountId,
    created_at: new Date(startedMs).toISOString(),
    idle_expires_ms: startedMs + SESSION_IDLE_MS,
    absolute_expires_ms: startedMs + SESSION_ABSOLUTE_MS,
    touched_ms: startedMs,
  };
  await putSession(session);
  return { token, expires_at: new Date(expiryOf(session)).toISOString() };
}

/** Resolves a presented session token or throws SESSION_EXPIRED; slides the idle deadline. */
export async function resolveSession(token: string): Promise<SessionRecord> {
  const tokenHash = hashToken(token);
  const session = await getSession(tokenHash);
  const currentMs = nowMs();
  if (!session || currentMs >= expiryOf(session)) throw new AppError('SESSION_EXPIRED');
  if (currentMs - session.touched_ms >= SLIDE_WRITE_INTERVAL_MS) {
    await extendSession(tokenHash, currentMs + SESSION_IDLE_MS, currentMs);
  }
  return session;
}

export async function endSession(tokenHash: string): Promise<void> {
  await deleteSession(tokenHash);
}
