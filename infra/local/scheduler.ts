/**
 * The in-process stand-in for EventBridge schedules: runs the daily handler once per UTC day,
 * at the first tick after midnight. Time comes from the injected clock so tests can cross
 * midnight; `tick()` is what the timer calls, exposed so tests need not wait a minute.
 */
export interface LocalScheduler {
  /** Runs the daily handler if a new UTC day has begun since the last run; says whether it ran. */
  tick(): Promise<'ran' | 'not_due'>;
  stop(): void;
}

const TICK_MS = 60_000;

export function startScheduler(options: { now: () => Date; runDaily: () => Promise<unknown> }): LocalScheduler {
  const dayOf = (date: Date) => date.toISOString().slice(0, 10);
  let lastRunDay = dayOf(options.now());

  const tick = async (): Promise<'ran' | 'not_due'> => {
    const today = dayOf(options.now());
    if (today === lastRunDay) return 'not_due';
    lastRunDay = today;
    try {
      await options.runDaily();
    } catch (error) {
      // The next day's run retries: every step of the daily handler is idempotent.
      console.error(JSON.stringify({ level: 'error', message: 'daily schedule failed', error: String(error) }));
    }
    return 'ran';
  };
  const timer = setInterval(() => void tick(), TICK_MS);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
