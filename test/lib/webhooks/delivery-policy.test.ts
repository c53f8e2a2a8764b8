import { describe, expect, it } from 'vitest';
import { FIRST_RETRY_MS, MAX_RETRY_WAIT_MS, RETRY_WINDOW_MS, retryDelayMs } from '#lib/webhooks/delivery-policy';

describe('retryDelayMs (exponential backoff with jitter, api.md: retried for 24 h)', () => {
  it('doubles from 30 s up to an hour, each wait within ±20 % of its base', () => {
    const bases = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((attempt) => Math.min(MAX_RETRY_WAIT_MS, FIRST_RETRY_MS * 2 ** (attempt - 1)));

    const lowest = bases.map((_base, index) => retryDelayMs(index + 1, 0));
    const highest = bases.map((_base, index) => retryDelayMs(index + 1, 0.999_999));

    expect(lowest).toEqual(bases.map((base) => Math.round(base * 0.8)));
    expect(highest.map((wait, index) => wait / (bases[index] ?? 1))).toEqual(bases.map(() => expect.closeTo(1.2, 5)));
    expect(bases.at(-1)).toBe(MAX_RETRY_WAIT_MS);
  });

  it('fits a few dozen attempts into the 24 h window, however the jitter falls', () => {
    const attemptsWithin = (random: number) => {
      let elapsed = 0;
      let attempts = 1;
      while (elapsed + retryDelayMs(attempts, random) <= RETRY_WINDOW_MS) elapsed += retryDelayMs(attempts++, random);
      return attempts;
    };

    expect(attemptsWithin(0)).toBeGreaterThanOrEqual(25);
    expect(attemptsWithin(0.999)).toBeLessThanOrEqual(35);
  });
});
