import { describe, expect, it } from 'vitest';
import { keyedQueue } from '#lib/keyed-queue';

/** A piece of work that records when it starts and ends, and finishes when told. */
function step(name: string, log: string[], fail = false) {
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish: () => finish(),
    work: async () => {
      log.push(`${name} start`);
      await done;
      log.push(`${name} end`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    },
  };
}

describe('keyedQueue', () => {
  it('runs calls with one key one after another, even past a failure, and calls with other keys beside them', async () => {
    // Arrange
    const queue = keyedQueue();
    const log: string[] = [];
    const first = step('a1', log, true);
    const second = step('a2', log);
    const other = step('b1', log);

    // Act
    const results = [queue('a', first.work), queue('a', second.work), queue('b', other.work)];
    await new Promise((resolve) => setTimeout(resolve, 10));
    const startedBeforeAnyEnd = [...log];
    other.finish();
    first.finish();
    await Promise.allSettled(results.slice(0, 1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    second.finish();
    const settled = await Promise.allSettled(results);

    // Assert
    expect(startedBeforeAnyEnd).toEqual(['a1 start', 'b1 start']);
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(settled.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });
});
