import { describe, expect, it } from 'vitest';
import { startScheduler } from '#infra/local/scheduler';

/** A clock the test moves by hand. */
function manualClock(iso: string) {
  let current = new Date(iso);
  return { now: () => current, set: (next: string) => (current = new Date(next)) };
}

describe('the local scheduler', () => {
  it('runs the hourly work once in each new UTC hour and the daily work once in each new UTC day', async () => {
    // Arrange
    const clock = manualClock('2026-11-25T22:10:00Z');
    const runs: string[] = [];
    const scheduler = startScheduler({
      now: clock.now,
      runDaily: async () => runs.push(`daily ${clock.now().toISOString()}`),
      runHourly: async () => runs.push(`hourly ${clock.now().toISOString()}`),
    });

    // Act
    const ticks = [];
    for (const at of ['2026-11-25T22:50:00Z', '2026-11-25T23:00:30Z', '2026-11-25T23:59:00Z', '2026-11-26T00:01:00Z', '2026-11-26T00:02:00Z']) {
      clock.set(at);
      ticks.push(await scheduler.tick());
    }
    scheduler.stop();

    // Assert
    expect(ticks).toEqual(['not_due', 'not_due', 'not_due', 'ran', 'not_due']);
    expect(runs).toEqual(['hourly 2026-11-25T23:00:30.000Z', 'hourly 2026-11-26T00:01:00.000Z', 'daily 2026-11-26T00:01:00.000Z']);
  });

  it('runs the every-minute work (webhook retries) once in each new minute, a jump of the clock counting once', async () => {
    // Arrange
    const clock = manualClock('2026-11-25T10:00:10Z');
    const runs: string[] = [];
    const scheduler = startScheduler({ now: clock.now, runDaily: async () => {}, runEveryMinute: async () => runs.push(clock.now().toISOString()) });

    // Act
    for (const at of ['2026-11-25T10:00:50Z', '2026-11-25T10:01:00Z', '2026-11-25T10:01:59Z', '2026-11-25T12:30:00Z']) {
      clock.set(at);
      await scheduler.tick();
    }
    scheduler.stop();

    // Assert
    expect(runs).toEqual(['2026-11-25T10:01:00.000Z', '2026-11-25T12:30:00.000Z']);
  });

  it('keeps its schedule after a run fails (the next period retries)', async () => {
    // Arrange
    const clock = manualClock('2026-11-25T10:00:00Z');
    let attempts = 0;
    const scheduler = startScheduler({
      now: clock.now,
      runDaily: async () => {},
      runHourly: async () => (attempts += 1) === 1 && Promise.reject(new Error('index busy')),
    });

    // Act
    clock.set('2026-11-25T11:00:00Z');
    await scheduler.tick();
    clock.set('2026-11-25T12:00:00Z');
    await scheduler.tick();
    scheduler.stop();

    // Assert
    expect(attempts).toBe(2);
  });
});
