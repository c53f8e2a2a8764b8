import * as z from 'zod';
import { listQuery, refusePageDepth } from '#lib/pagination';
import { PLAN_IDS } from '#lib/plan-names';
import { LEDGER_ENTRY_TYPES } from '#lib/db/ledger-types';

const autoTopUpSettingsView = z.object({ enabled: z.boolean(), threshold_micros: z.number().int(), amount_micros: z.number().int() });

export const billingView = z.object({
  plan: z.enum(PLAN_IDS),
  credits_micros: z.number().int(),
  /**
   * Suspended from paid work: a refunded or disputed card payment took back credit already spent, so the balance is
   * below zero; indexing and searches answer INSUFFICIENT_CREDITS until a top-up brings it back to zero or above.
   */
  suspended: z.boolean(),
  /** The card saved by a completed Checkout; null until then. */
  payment_method: z.object({ brand: z.string(), last4: z.string() }).nullable(),
  auto_topup: autoTopUpSettingsView.extend({
    /**
     * Present after an auto top-up could not charge (errors.md: a background step's failure is
     * recorded on what it concerns): a card failure also switched auto top-up off. Gone once it is switched on again.
     */
    last_error: z
      .object({ code: z.enum(['PAYMENT_FAILED', 'PAYMENT_METHOD_REQUIRED', 'BILLING_NOT_CONFIGURED']), message: z.string(), failed_at: z.string() })
      .optional(),
  }),
});

export const listTransactionsQuery = z.strictObject(listQuery()).superRefine(refusePageDepth);

export const ledgerEntryView = z.object({
  id: z.string(),
  type: z.enum(LEDGER_ENTRY_TYPES),
  amount_micros: z.number().int(),
  balance_after_micros: z.number().int(),
  description: z.string(),
  created_at: z.string(),
});

/** Stripe's largest card charge ($999,999.99), in micro-dollars. */
const MAX_CARD_CHARGE_MICROS = 99_999_999 * 10_000;

/**
 * An amount charged to a card: whole cents (Stripe's unit). The minimum top-up is a plan-table
 * number a deployment may change, so lib/billing/payments.ts checks it, still as a VALIDATION_ERROR.
 */
const cardAmountMicros = z
  .number()
  .int()
  .positive()
  .multipleOf(10_000, 'must be a whole number of cents (a multiple of 10 000 micro-dollars)')
  .max(MAX_CARD_CHARGE_MICROS)
  .describe('Micro-dollars, whole cents, at least the minimum top-up ($5 unless the deployment says otherwise)');

export const checkoutBody = z.strictObject({ amount_micros: cardAmountMicros });
export const checkoutSessionView = z.object({ url: z.string().describe('Stripe Checkout page to send the person to') });

export const topUpBody = z.strictObject({ amount_micros: cardAmountMicros });
export const topUpResult = z.object({ credits_micros: z.number().int(), transaction_id: z.string() });

export const autoTopUpBody = z.strictObject({
  enabled: z.boolean(),
  threshold_micros: z.number().int().nonnegative(),
  amount_micros: cardAmountMicros,
});
export const autoTopUpView = autoTopUpSettingsView;

export const changePlanBody = z.strictObject({ plan: z.literal('payg') });
export const planView = z.object({ plan: z.enum(PLAN_IDS) });

/** What the Stripe webhook answers (Stripe only looks at the status; the outcome helps reading its delivery log). */
export const stripeWebhookReceipt = z.object({ received: z.literal(true), outcome: z.enum(['applied', 'duplicate', 'ignored']) });
