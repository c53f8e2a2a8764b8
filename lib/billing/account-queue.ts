import { setTimeout as sleep } from 'node:timers/promises';
import { keyedQueue } from '#lib/keyed-queue';

/**
 * How writers to one account's balance take turns. Correctness never depends on this module:
 * every balance write is conditioned on the balance it read. Throughput does. Writers racing on
 * the one account item all read, all write, and all but one lose and go again, so a burst of N
 * concurrent changes costs on the order of N² attempts (measured on DynamoDB Local: 200 concurrent
 * $0.001 debits on one account took 59 s racing, 4.3 s queued). So changes made by this process to one account
 * queue behind each other, and writers from other processes (Lambda instances, which serve one
 * request each) back off exponentially with full jitter; per-account rate limits bound how many
 * of those there can be.
 */
const accountTurns = keyedQueue();

/** Runs `work` after every earlier `oneAtATime` of this process for the same account has finished. */
export function oneAtATime<T>(accountId: string, work: () => Promise<T>): Promise<T> {
  return accountTurns(accountId, work);
}

const BACKOFF_BASE_MS = 5;
const BACKOFF_CAP_MS = 250;

/** The pause after losing race number `attempt`: random up to a bound that doubles each time, capped. */
export function backOff(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16)));
}
