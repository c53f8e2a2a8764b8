import { nowMs } from '#lib/clock';
import { AppError } from '#lib/errors';
import { plansTable, type RateLimitGroup } from '#lib/plans';
import { takeFromWindow } from '#lib/db/rate-limits';

/**
 * Per-account (or, before sign-in, per-IP and per-email) limits per route group, fixed windows
 * (plans.md, Rate limits). The decision also feeds the X-RateLimit-* headers of the response.
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSecs: number;
  /** What the limit applies to and where, for the refusal's message. */
  description: string;
}

export type RateScope = { kind: 'account'; accountId: string } | { kind: 'ip'; address: string } | { kind: 'email'; address: string };

function scopeKey(scope: RateScope): string {
  switch (scope.kind) {
    case 'account':
      return `acc:${scope.accountId}`;
    case 'ip':
      return `ip:${scope.address}`;
    case 'email':
      return `email:${scope.address}`;
  }
}

function limitFor(scope: RateScope, group: RateLimitGroup): number {
  const limits = plansTable.rate_limits;
  if (scope.kind === 'ip') return limits.auth_per_ip;
  if (scope.kind === 'email') return limits.auth_per_email;
  return limits.per_minute[group];
}

/** Counts this request against the window and says whether it fits. */
export async function consumeRateLimit(scope: RateScope, group: RateLimitGroup): Promise<RateDecision> {
  const windowSecs = plansTable.rate_limits.window_secs;
  const nowSecs = nowMs() / 1000;
  const windowStart = Math.floor(nowSecs / windowSecs) * windowSecs;
  const resetSecs = Math.max(1, Math.ceil(windowStart + windowSecs - nowSecs));
  const limit = limitFor(scope, group);
  const count = await takeFromWindow(scopeKey(scope), group, windowStart, limit, windowStart + 2 * windowSecs);
  const who = scope.kind === 'account' ? 'this account' : scope.kind === 'ip' ? 'this address' : 'this email';
  const description = `${limit} requests per ${windowSecs} s for ${who} on "${group}" routes`;
  return { allowed: count !== undefined, limit, remaining: count === undefined ? 0 : Math.max(0, limit - count), resetSecs, description };
}

/** 429 RATE_LIMIT_EXCEEDED with Retry-After (errors.md, step 4). */
export function rateLimitExceeded(decision: RateDecision): AppError {
  return new AppError('RATE_LIMIT_EXCEEDED', `Over the limit of ${decision.description}; retry in ${decision.resetSecs} s`, {
    retry_after: decision.resetSecs,
    limit: decision.limit,
  });
}

export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(decision.limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(decision.resetSecs),
  };
}
