/**
 * The in-process stand-in for EventBridge schedules: runs the daily handler once per UTC day, the
 * hourly one once per UTC hour and the every-minute one (webhook retries) once a minute, each at the first tick after its period begins. Time comes
 * from the injected clock so tests can cross midnight; `tick()` is what the timer calls, exposed
 * so tests need not wait a minute.
 */
export interface LocalScheduler {
  /** Runs the daily handler if a new UTC day has begun since the last run (and the hourly one likewise); says whether the daily one ran. */
  tick(): Promise<'ran' | 'not_due'>;
  stop(): void;
}

export interface SchedulerOptions {
  now: () => Date;
  runDaily: () => Promise<unknown>;
  runHourly?: () => Promise<unknown>;
  /** Every minute of the clock (webhook retries): a jump of the clock by hours runs it once, as a late EventBridge rule would. */
  runEveryMinute?: () => Promise<unknown>;
}

const TICK_MS = 60_000;

export function startScheduler(options: SchedulerOptions): LocalScheduler {
  const daily = periodic('daily', (date) => date.toISOString().slice(0, 10), options.now(), options.runDaily);
  const hourly = options.runHourly ? periodic('hourly', (date) => date.toISOString().slice(0, 13), options.now(), options.runHourly) : undefined;

  const everyMinute = options.runEveryMinute
    ? periodic('every-minute', (date) => date.toISOString().slice(0, 16), options.now(), options.runEveryMinute)
    : undefined;

  const tick = async (): Promise<'ran' | 'not_due'> => {
    const at = options.now();
    await everyMinute?.(at);
    await hourly?.(at);
    return (await daily(at)) ? 'ran' : 'not_due';
  };
  const timer = setInterval(() => void tick(), TICK_MS);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}

/** A schedule that runs `work` when `periodOf(now)` differs from the last run's; says whether it ran. */
function periodic(name: string, periodOf: (date: Date) => string, start: Date, work: () => Promise<unknown>): (at: Date) => Promise<boolean> {
  let lastRun = periodOf(start);
  return async (at) => {
    const period = periodOf(at);
    if (period === lastRun) return false;
    lastRun = period;
    try {
      await work();
    } catch (error) {
      // The next period's run retries: every scheduled handler is idempotent.
      console.error(JSON.stringify({ level: 'error', message: `${name} schedule failed`, error: String(error) }));
    }
    return true;
  };
}
