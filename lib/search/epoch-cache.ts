/**
 * What a warm function holds of an account, read once and kept while a counter on the account
 * item stays as it was. Every change the value depends on bumps that counter in the same
 * transaction, and authentication reads the account on every request, so each request passes
 * the epoch it saw and a value of an older epoch is read again. A value read for a request that
 * saw a newer epoch serves requests that saw an older one (it was read after their changes too).
 * A failed read is not kept. Past `maxWeight` the least recently used accounts are let go.
 */
export class EpochCache<T> {
  private readonly held = new Map<string, { epoch: number; value: Promise<T>; weight: number; loaded?: { value: T } }>();
  /** Weight of the held values that have finished loading. */
  private weight = 0;

  constructor(private readonly limits: { maxWeight: number; weigh: (value: T) => number }) {}

  /** The value held for `epoch` or a newer one if it has finished loading; undefined otherwise (nothing is read). */
  peek(accountId: string, epoch: number): T | undefined {
    const entry = this.held.get(accountId);
    if (entry === undefined || entry.epoch < epoch || entry.loaded === undefined) return undefined;
    this.held.delete(accountId);
    this.held.set(accountId, entry);
    return entry.loaded.value;
  }

  get(accountId: string, epoch: number, load: () => Promise<T>): Promise<T> {
    const entry = this.held.get(accountId);
    if (entry !== undefined && entry.epoch >= epoch) {
      // Most recently used last, so the first key is the one to let go.
      this.held.delete(accountId);
      this.held.set(accountId, entry);
      return entry.value;
    }
    const loading: { epoch: number; value: Promise<T>; weight: number; loaded?: { value: T } } = { epoch, value: load(), weight: 0 };
    this.letGo(accountId);
    this.held.set(accountId, loading);
    loading.value.then(
      (value) => {
        // Let go already, or replaced by a newer read: not held.
        if (this.held.get(accountId) !== loading) return;
        loading.loaded = { value };
        loading.weight = this.limits.weigh(value);
        this.weight += loading.weight;
        while (this.weight > this.limits.maxWeight && this.held.size > 1) {
          const oldest = this.held.keys().next().value;
          if (oldest === undefined || oldest === accountId) break;
          this.letGo(oldest);
        }
      },
      () => {
        if (this.held.get(accountId) === loading) this.letGo(accountId);
      },
    );
    return loading.value;
  }

  private letGo(accountId: string): void {
    const entry = this.held.get(accountId);
    if (entry === undefined) return;
    this.weight -= entry.weight;
    this.held.delete(accountId);
  }
}
