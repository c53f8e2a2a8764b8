import { newId } from '#lib/ids';
import { host } from '#lib/hosts/host';
import { isFaultArmed } from '#lib/faults';
import { isActive, type AccountRecord } from '#lib/db/accounts';
import type { AutoTopUpRequestRecord } from '#lib/db/auto-topups';

/**
 * The debit side of auto top-up (plans.md, Credits: "charges the saved card off-session when the
 * balance crosses its threshold"). Deciding is part of every balance change, so this module stays
 * free of Stripe: the charge itself runs later, outside the request (lib/billing/auto-topup.ts).
 */

/**
 * The request a balance change from `beforeMicros` to `afterMicros` makes, or undefined. Crossing
 * means from at or above the threshold to below it. Balance changes are serialised on the account
 * (each is conditioned on the balance it read), so exactly one change crosses each time; a request
 * still pending (its credit not landed yet) makes the account ignore further crossings meanwhile.
 */
export function autoTopUpRequestFor(account: AccountRecord, beforeMicros: number, afterMicros: number, at: string): AutoTopUpRequestRecord | undefined {
  const settings = account.auto_topup;
  if (!settings?.enabled || account.auto_topup_pending !== undefined || !isActive(account)) return undefined;
  if (beforeMicros < settings.threshold_micros || afterMicros >= settings.threshold_micros) return undefined;
  return {
    // Rows of the account's event outbox, so an event id.
    request_id: newId('event'),
    account_id: account.account_id,
    amount_micros: settings.amount_micros,
    threshold_micros: settings.threshold_micros,
    balance_micros: afterMicros,
    status: 'pending',
    created_at: at,
  };
}

export type AutoTopUpRef = Pick<AutoTopUpRequestRecord, 'account_id' | 'request_id'>;

/**
 * Called once the crossing's transaction is written: the host hands the new row to the charger (in
 * AWS the table's stream does it by itself). Either way a request that is never picked up (the
 * process died here) is found by the daily run, so the row, not this call, is what makes it happen.
 */
export function dispatchAutoTopUp(request: AutoTopUpRef): void {
  if (isFaultArmed('auto_topup_dispatch_lost')) return;
  host().rowWritten('autoTopUpRequests', { account_id: request.account_id, request_id: request.request_id });
}
