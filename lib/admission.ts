import { nowMs } from '#lib/clock';

/** Refused at the door: the work would wait longer than it may. `retryAfterSecs` is when the queue should have drained. */
export class OverloadedError extends Error {
  constructor(readonly retryAfterSecs: number) {
    super(`overloaded: retry in ${retryAfterSecs} s`);
    this.name = 'OverloadedError';
  }
}

export interface AdmissionOptions {
  /** How many run at once. */
  concurrency: number;
  /** The longest a caller may wait for its turn: shorter than the work's own deadline, so overload answers early. */
  maxWaitMs: number;
  /** A first guess of one run's duration, until runs have been timed. */
  initialServiceMs: number;
}

export interface AdmissionGate {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Running and waiting, for metrics and tests. */
  load(): { running: number; waiting: number };
}

/**
 * Admission control in front of a contended resource (the search index): at most `concurrency` runs at
 * once, the rest wait in order. A caller whose expected wait (the queue ahead of it times the mean run
 * time, over the concurrency) exceeds `maxWaitMs` is refused at once, and one still waiting at
 * `maxWaitMs` is refused then; both with the time the queue needs to drain. Overload thus costs a
 * refusal in microseconds instead of a request that times out after holding a slot.
 */
export function admissionGate(options: AdmissionOptions): AdmissionGate {
  let running = 0;
  let meanServiceMs = options.initialServiceMs;
  const waiting: Array<{ start: () => void; timer: NodeJS.Timeout }> = [];

  const drainSecs = (queued: number) => Math.max(1, Math.ceil(((queued + 1) * meanServiceMs) / options.concurrency / 1000));

  const startNext = () => {
    const next = waiting.shift();
    if (!next) return;
    clearTimeout(next.timer);
    next.start();
  };

  const execute = async <T>(work: () => Promise<T>): Promise<T> => {
    running += 1;
    const startedMs = nowMs();
    try {
      return await work();
    } finally {
      // A moving mean: recent runs say more about the load now than old ones.
      meanServiceMs = 0.8 * meanServiceMs + 0.2 * Math.max(0, nowMs() - startedMs);
      running -= 1;
      startNext();
    }
  };

  return {
    run<T>(work: () => Promise<T>): Promise<T> {
      if (running < options.concurrency && waiting.length === 0) return execute(work);
      const expectedWaitMs = ((waiting.length + 1) * meanServiceMs) / options.concurrency;
      if (expectedWaitMs > options.maxWaitMs) return Promise.reject(new OverloadedError(drainSecs(waiting.length)));
      return new Promise<T>((resolve, reject) => {
        const entry = {
          start: () => execute(work).then(resolve, reject),
          timer: setTimeout(() => {
            const position = waiting.indexOf(entry);
            if (position >= 0) waiting.splice(position, 1);
            reject(new OverloadedError(drainSecs(waiting.length)));
          }, options.maxWaitMs),
        };
        waiting.push(entry);
      });
    },
    load: () => ({ running, waiting: waiting.length }),
  };
}
