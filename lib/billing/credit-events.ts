import { newId } from '#lib/ids';
import { now } from '#lib/clock';
import { plansTable } from '#lib/plans';
import { tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import type { TransactionItem } from '#lib/db/ledger';

/**
 * plans.md: `credits.low` fires when the balance crosses below $1, `credits.exhausted` when it
 * reaches zero. Recorded as rows of the account's event outbox, in the same transaction as the
 * balance change that crossed, so an event exists exactly when the crossing happened; the
 * webhooks issue delivers the outbox.
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
  return creditEventsFor(beforeMicros, afterMicros).map((event) => {
    const id = newId('event');
    return {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.accountEvent(accountId, id),
          id,
          event,
          account_id: accountId,
          created_at: now().toISOString(),
          delivery: 'pending',
          data: { credits_micros: afterMicros, threshold_micros: plansTable.prices.credits_low_threshold_micros },
        },
      },
    };
  });
}
