import { describe, expect, it } from 'vitest';
import { EpochCache } from '#lib/search/epoch-cache';

/** A loader that counts its reads and answers `value` (or fails while `failing`). */
function counted<T>(value: T) {
  const loader = {
    reads: 0,
    failing: false,
    load: async () => {
      loader.reads += 1;
      if (loader.failing) throw new Error('store unavailable');
      return value;
    },
  };
  return loader;
}

describe('EpochCache', () => {
  it('reads once per epoch, again when the epoch moves, and serves an older epoch from a newer read', async () => {
    // Arrange
    const cache = new EpochCache<string>({ maxWeight: 10, weigh: () => 1 });
    const source = counted('value');

    // Act
    const first = await cache.get('acc_1', 0, source.load);
    await cache.get('acc_1', 0, source.load);
    await cache.get('acc_1', 1, source.load);
    const older = await cache.get('acc_1', 0, source.load);

    // Assert
    expect([first, older]).toEqual(['value', 'value']);
    expect(source.reads).toBe(2);
  });

  it('peeks only at a value that has finished loading for the epoch or a newer one, and never reads', async () => {
    // Arrange
    const cache = new EpochCache<string>({ maxWeight: 10, weigh: () => 1 });
    const source = counted('value');

    // Act
    const beforeAnyRead = cache.peek('acc_1', 0);
    const loading = cache.get('acc_1', 1, source.load);
    const whileLoading = cache.peek('acc_1', 1);
    await loading;
    const loaded = [cache.peek('acc_1', 0), cache.peek('acc_1', 1)];
    const newerEpoch = cache.peek('acc_1', 2);

    // Assert
    expect([beforeAnyRead, whileLoading, newerEpoch]).toEqual([undefined, undefined, undefined]);
    expect(loaded).toEqual(['value', 'value']);
    expect(source.reads).toBe(1);
  });

  it('does not keep a failed read', async () => {
    // Arrange
    const cache = new EpochCache<string>({ maxWeight: 10, weigh: () => 1 });
    const source = counted('value');
    source.failing = true;

    // Act
    const failed = cache.get('acc_1', 0, source.load);
    await expect(failed).rejects.toThrow('store unavailable');
    source.failing = false;
    const next = await cache.get('acc_1', 0, source.load);

    // Assert
    expect(next).toBe('value');
    expect(source.reads).toBe(2);
  });

  it('lets the least recently used accounts go past its weight', async () => {
    // Arrange: room for two values of weight 1
    const cache = new EpochCache<string>({ maxWeight: 2, weigh: () => 1 });
    const sources = { acc_1: counted('one'), acc_2: counted('two'), acc_3: counted('three') };
    await cache.get('acc_1', 0, sources.acc_1.load);
    await cache.get('acc_2', 0, sources.acc_2.load);
    await cache.get('acc_1', 0, sources.acc_1.load); // acc_2 is now the least recently used

    // Act
    await cache.get('acc_3', 0, sources.acc_3.load);
    await cache.get('acc_1', 0, sources.acc_1.load);
    await cache.get('acc_2', 0, sources.acc_2.load);

    // Assert
    expect([sources.acc_1.reads, sources.acc_2.reads, sources.acc_3.reads]).toEqual([1, 2, 1]);
  });
});
