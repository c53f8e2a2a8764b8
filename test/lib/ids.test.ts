import { afterEach, describe, expect, it } from 'vitest';
import { useClock, useSystemClock } from '#lib/clock';
import { newId } from '#lib/ids';

const ULID_SHAPE = /^srch_[0-9a-hjkmnp-tv-z]{26}$/;
/** Prefix, then ten characters of time: the first random character. */
const FIRST_RANDOM = 'srch_'.length + 10;

describe('newId', () => {
  afterEach(() => useSystemClock());

  it('gives well-formed ids that never repeat, in creation order', () => {
    // Act: many in the same milliseconds
    const ids = Array.from({ length: 20_000 }, () => newId('search'));

    // Assert
    expect(ids.every((id) => ULID_SHAPE.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('draws each id’s random part evenly over the 32 characters', () => {
    // Arrange: a later millisecond per id, so each draws fresh randomness (within one, or back in time, it increments)
    let ms = Date.now() + 86_400_000;
    useClock({ now: () => new Date((ms += 1)) });
    const counts = new Map<string, number>();

    // Act
    for (let draw = 0; draw < 6_400; draw += 1) {
      const character = newId('search').charAt(FIRST_RANDOM);
      counts.set(character, (counts.get(character) ?? 0) + 1);
    }

    // Assert: 200 expected each; ±100 is more than 7 standard deviations
    expect(counts.size).toBe(32);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(100);
      expect(count).toBeLessThan(300);
    }
  });
});
