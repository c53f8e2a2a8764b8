import { newId } from '#lib/ids';
import { now } from '#lib/clock';
import { plansTable } from '#lib/plans';
import type { TransactionItem } from '#lib/db/ledger';
import { outboxEventPut } from '#lib/db/events';

/**
 * plans.md: `credits.low` fires when the balance crosses below $1, `credits.exhausted` when it
 * reaches zero. Recorded as rows of the account's event outbox, in the same transaction as the
 * balance change that crossed, so an event exists exactly when the crossing happened; lib/webhooks
 * delivers the outbox (in AWS the table's stream announces the row; locally the every-minute sweep finds it).
 */
export type CreditEventName = 'credits.low' | 'credits.exhausted';

export function creditEventsFor(beforeMicros: number, afterMicros: number): CreditEventName[] {
  const threshold = plansTable.prices.credits_low_threshold_micros;
  const events: CreditEventName[] = [];
  if (beforeMicros >= threshold && afterMicros < threshold) events.push('credits.low');
  if (beforeMicros > 0 && afterMicros <= 0) events.push('credits.exhausted');
  return events;
}

export function creditEventPuts(accountId: string, beforeMicros: number, afterMicros: number): TransactionItem[] {
  const at = now().toISOString();
  return creditEventsFor(beforeMicros, afterMicros).map((event) =>
    outboxEventPut(accountId, newId('event'), event, { credits_micros: afterMicros, threshold_micros: plansTable.prices.credits_low_threshold_micros }, at),
  );
}
