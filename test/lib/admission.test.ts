import { describe, expect, it } from 'vitest';
import { admissionGate, OverloadedError } from '#lib/admission';

/** Work that runs until the test lets it finish. */
function heldWork(log: string[], name: string): { work: () => Promise<string>; finish: () => void } {
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    work: async () => {
      log.push(`start ${name}`);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

describe('admissionGate', () => {
  it('runs as many at once as it allows, and the next in line as soon as one finishes', async () => {
    const gate = admissionGate({ concurrency: 2, maxWaitMs: 5_000, initialServiceMs: 1 });
    const log: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => heldWork(log, name));
    if (!a || !b || !c) throw new Error('three works');

    const runs = [gate.run(a.work), gate.run(b.work), gate.run(c.work)];
    await Promise.resolve();
    const whileFull = { log: [...log], load: gate.load() };
    a.finish();
    await runs[0];
    await new Promise((resolve) => setImmediate(resolve));
    b.finish();
    c.finish();

    expect(whileFull).toEqual({ log: ['start a', 'start b'], load: { running: 2, waiting: 1 } });
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'start b', 'start c']);
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses at once, with the time the queue needs, when the expected wait is longer than allowed', async () => {
    const gate = admissionGate({ concurrency: 1, maxWaitMs: 500, initialServiceMs: 2_000 });
    const held = heldWork([], 'slow');
    const first = gate.run(held.work);

    const refusal = await gate.run(async () => 'never').catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(OverloadedError);
    expect(refusal instanceof OverloadedError && refusal.retryAfterSecs).toBe(2);
    expect(gate.load()).toEqual({ running: 1, waiting: 0 });
    held.finish();
    expect(await first).toBe('slow');
  });

  it('refuses a caller still waiting when its wait runs out, and leaves the queue as it was', async () => {
    const gate = admissionGate({ concurrency: 1, maxWaitMs: 50, initialServiceMs: 1 });
    const held = heldWork([], 'slow');
    const first = gate.run(held.work);

    const startedMs = Date.now();
    const refusal = await gate.run(async () => 'never').catch((error: unknown) => error);
    const waitedMs = Date.now() - startedMs;

    expect(refusal).toBeInstanceOf(OverloadedError);
    expect(waitedMs).toBeGreaterThanOrEqual(45);
    expect(gate.load()).toEqual({ running: 1, waiting: 0 });
    held.finish();
    await first;
  });
});
