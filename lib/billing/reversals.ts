import { getAccount } from '#lib/db/accounts';
import { writeBalanceChange, type TrialChange } from '#lib/db/ledger';
import { eventAppliedPut, findAppliedPayment, findPaymentReversal, isEventApplied, paymentReversalPut, type PaymentReversalRecord } from '#lib/db/payments';
import { now } from '#lib/clock';
import { balanceOf, newLedgerEntry } from '#lib/billing/ledger';
import { backOff, oneAtATime } from '#lib/billing/account-queue';
import { announceCreditEvents, creditEventWrites } from '#lib/billing/credit-events';
import { dollars } from '#lib/billing/payments';

/**
 * Money Stripe gave back to the card (a refund) or the cardholder took back (a dispute) leaves the balance
 * too: a `reversal` ledger row, written with the payment's running take-back totals and the Stripe event's
 * guard in one transaction, so every event moves the balance at most once and a charge never loses more
 * than it paid. The balance may fall below zero (what was bought may already be spent): the account is then
 * suspended from paid work — every debit needs a balance that covers it — until a top-up (GET /v1/billing).
 */
export interface Reversal {
  event: { id: string; type: string };
  paymentIntentId: string;
  /** A refund: the charge's running total of refunds, in micro-dollars. */
  refundedMicros?: number;
  /** A dispute: the disputed amount, in micro-dollars. */
  disputedMicros?: number;
}

export type ReversalOutcome = 'applied' | 'duplicate' | 'ignored';

const MAX_ATTEMPTS = 30;

export async function takeBackPayment(reversal: Reversal): Promise<ReversalOutcome> {
  // Only a payment this deployment credited can be taken back (and that record names the account).
  const payment = await findAppliedPayment(reversal.paymentIntentId);
  if (!payment) return 'ignored';
  return oneAtATime(payment.account_id, async () => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      if (await isEventApplied(reversal.event.id)) return 'duplicate';
      const [account, seenTotals] = await Promise.all([getAccount(payment.account_id), findPaymentReversal(reversal.paymentIntentId)]);
      if (!account) return 'ignored';
      const totals: PaymentReversalRecord = {
        payment_intent_id: reversal.paymentIntentId,
        account_id: payment.account_id,
        refunded_micros: Math.max(seenTotals?.refunded_micros ?? 0, reversal.refundedMicros ?? 0),
        disputed_micros: Math.max(seenTotals?.disputed_micros ?? 0, reversal.disputedMicros ?? 0),
      };
      const takenBefore = takenBack(payment.amount_micros, seenTotals);
      const takeNow = takenBack(payment.amount_micros, totals) - takenBefore;
      // Nothing more to take (the same running total again, a dispute of what a refund already took back).
      if (takeNow <= 0) return 'duplicate';
      const guards = [eventAppliedPut(reversal.event.id, reversal.event.type, now()), paymentReversalPut(totals, seenTotals)];
      const seen = balanceOf(account);
      const entry = newLedgerEntry('reversal', -takeNow, seen.credits_micros - takeNow, describe(reversal, payment.amount_micros));
      const creditEvents = creditEventWrites(account.account_id, seen.credits_micros, entry.balance_after_micros);
      const outcome = await writeBalanceChange({
        accountId: account.account_id,
        seen,
        entry,
        trial: trialAfter(seen.trial_credit_remaining_micros, entry.balance_after_micros),
        alongside: [...guards, ...creditEvents.puts],
        mayGoNegative: true,
      });
      if (outcome === 'written') {
        announceCreditEvents(account.account_id, creditEvents);
        return 'applied';
      }
      // `refused`: the event was applied or the totals moved meanwhile; either way, read again.
      await backOff(attempt);
    }
    throw new Error(`Stripe event ${reversal.event.id} could not take back payment ${reversal.paymentIntentId} in ${MAX_ATTEMPTS} attempts`);
  });
}

/** What refunds and disputes have taken of a payment, never more than it paid. */
function takenBack(paidMicros: number, totals: PaymentReversalRecord | undefined): number {
  return Math.min(paidMicros, (totals?.refunded_micros ?? 0) + (totals?.disputed_micros ?? 0));
}

/** Trial credit is part of the balance: what is left of it never exceeds a balance that fell. */
function trialAfter(trialRemaining: number | undefined, balanceAfter: number): TrialChange {
  if (trialRemaining === undefined || trialRemaining <= Math.max(0, balanceAfter)) return { kind: 'unchanged' };
  return { kind: 'remaining', micros: Math.max(0, balanceAfter) };
}

function describe(reversal: Reversal, paidMicros: number): string {
  return reversal.disputedMicros !== undefined
    ? `Card payment of ${dollars(paidMicros)} disputed (${dollars(reversal.disputedMicros)}); its credit taken back`
    : `Card payment of ${dollars(paidMicros)} refunded (${dollars(reversal.refundedMicros ?? 0)} in all); its credit taken back`;
}
