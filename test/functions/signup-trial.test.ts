import { afterEach, describe, expect, it, vi } from 'vitest';
import { PASSWORD, useTestApi } from '#test/support/api';
import { useClock, useSystemClock } from '#lib/clock';

// Two trial credits per address per day here (the plans table's default is 3; the rest of the suite raises it),
// with the other limits still raised; hoisted, so it happens before the imports above parse the configuration.
vi.hoisted(() => {
  const overrides = JSON.parse(process.env.FRAMESEEK_PLAN_OVERRIDES ?? '{}') as { rate_limits?: Record<string, unknown> };
  process.env.FRAMESEEK_PLAN_OVERRIDES = JSON.stringify({ ...overrides, rate_limits: { ...overrides.rate_limits, trial_credits_per_ip_per_day: 2 } });
});
const api = useTestApi();
const DAY_MS = 24 * 60 * 60 * 1000;

afterEach(() => useSystemClock());

function atUtcDay(daysAhead: number): void {
  const dayStart = (Math.floor(Date.now() / DAY_MS) + daysAhead) * DAY_MS;
  useClock({ now: () => new Date(dayStart + 60_000) });
}

async function signUpCredits(): Promise<number> {
  const response = await api.post('/v1/auth/signup', { body: { email: `trial-${Date.now()}-${Math.random()}@example.com`, password: PASSWORD } });
  if (response.status !== 201) throw new Error(`signup: ${response.status} ${response.text}`);
  return Number(response.body.data.account.credits_micros);
}

describe('POST /v1/auth/signup: trial credit per address per day (issue 19 item 11)', () => {
  it('gives the trial credit to the first sign-ups from one address each UTC day, and accounts without it after that', async () => {
    atUtcDay(3);
    const sameDay = [await signUpCredits(), await signUpCredits(), await signUpCredits()];
    atUtcDay(4);
    const nextDay = await signUpCredits();

    expect(sameDay).toEqual([5_000_000, 5_000_000, 0]);
    expect(nextDay).toBe(5_000_000);
  });
});
