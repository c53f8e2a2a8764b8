/**
 * When a failed delivery is tried again (api.md: exponential backoff for 24 h, then failed):
 * 30 s after the first attempt, doubling up to an hour between attempts, each wait jittered by
 * ±20 % so that endpoints that failed together do not all come back in the same second. About
 * 30 attempts fit in the 24 h.
 */
export const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;
export const FIRST_RETRY_MS = 30 * 1000;
export const MAX_RETRY_WAIT_MS = 60 * 60 * 1000;
/** api.md: a receiver has 10 s in all (connect, send, answer) to say 2xx. */
export const SEND_DEADLINE_MS = 10 * 1000;
const JITTER = 0.2;

/** The wait after the `attemptsMade`-th failed attempt (1 = the first). `random` in [0, 1). */
export function retryDelayMs(attemptsMade: number, random: number = Math.random()): number {
  const base = Math.min(MAX_RETRY_WAIT_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(base * (1 - JITTER + 2 * JITTER * random));
}
/**
 * An attempt queued at once (a new delivery, a ping, a manual retry) is left to its queue message this
 * long before the sweep sends it too: long enough for a 10 s attempt to be recorded, short enough that
 * a lost message costs about a minute.
 */
export const QUEUED_ATTEMPT_LEASE_MS = 60 * 1000;
/**
 * An outbox event still not fanned out this long after it was written (its announcement and every
 * sweep since failed on it) is expired unsent instead of delivered days late: three days, as long as
 * the longest a delivery can be retried (its 24 h window) plus two days for an outage to be fixed.
 */
export const EVENT_MAX_PENDING_MS = 3 * 24 * 60 * 60 * 1000;
