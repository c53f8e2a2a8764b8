/**
 * Runs `work` over the items with at most `limit` in flight. After the first failure no new item
 * starts, and that failure is what this rejects with.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  // One iterator shared by every worker: each item is taken exactly once, in order.
  const queue = items.values();
  let failed = false;
  async function worker(): Promise<void> {
    for (const item of queue) {
      if (failed) return;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker()));
}
