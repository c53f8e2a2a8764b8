import { isProduction } from '#lib/config';

/**
 * The one source of "now" for domain code, so tests can move time (session expiry, daily
 * resets) without mocks. Replacing it is refused in the production stage.
 */
export interface Clock {
  now(): Date;
}

const systemClock: Clock = { now: () => new Date() };
let current: Clock = systemClock;

export function now(): Date {
  return current.now();
}

export function nowMs(): number {
  return current.now().getTime();
}

export function useClock(clock: Clock): void {
  if (isProduction()) throw new Error('The clock cannot be replaced in the prod stage');
  current = clock;
}

export function useSystemClock(): void {
  current = systemClock;
}

/** The UTC calendar day of an instant, yyyy-mm-dd: what daily quotas and schedules count in. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
