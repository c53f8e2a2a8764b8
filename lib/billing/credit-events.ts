import { newId } from '#lib/ids';
import { now } from '#lib/clock';
import { plansTable } from '#lib/plans';
import type { TransactionItem } from '#lib/db/ledger';
import { announceEvent, outboxEventPut } from '#lib/db/events';

/**
 * plans.md: `credits.low` fires when the balance crosses below $1, `credits.exhausted` when it
 * reaches zero. Recorded as rows of the account's event outbox, in the same transaction as the
 * balance change that crossed, so an event exists exactly when the crossing happened; lib/webhooks
 * delivers the outbox (in AWS the table's stream announces the row; locally the host, once the transaction is written).
 */
export type CreditEventName = 'credits.low' | 'credits.exhausted';

export function creditEventsFor(beforeMicros: number, afterMicros: number): CreditEventName[] {
  const threshold = plansTable.prices.credits_low_threshold_micros;
  const events: CreditEventName[] = [];
  if (beforeMicros >= threshold && afterMicros < threshold) events.push('credits.low');
  if (beforeMicros > 0 && afterMicros <= 0) events.push('credits.exhausted');
  return events;
}

/** The outbox rows for a balance change, for its transaction, and their ids, announced once it is written. */
export interface CreditEventWrites {
  puts: TransactionItem[];
  eventIds: string[];
}

export function creditEventWrites(accountId: string, beforeMicros: number, afterMicros: number): CreditEventWrites {
  const at = now().toISOString();
  const data = { credits_micros: afterMicros, threshold_micros: plansTable.prices.credits_low_threshold_micros };
  const events = creditEventsFor(beforeMicros, afterMicros).map((event) => ({ id: newId('event'), event }));
  return { puts: events.map(({ id, event }) => outboxEventPut(accountId, id, event, data, at)), eventIds: events.map(({ id }) => id) };
}

/** After the transaction: the host hands the rows to the webhook fan-out now (in AWS the stream does; the sweep is the net). */
export function announceCreditEvents(accountId: string, writes: CreditEventWrites): void {
  for (const eventId of writes.eventIds) announceEvent(accountId, eventId);
}
