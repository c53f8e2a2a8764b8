import * as z from 'zod';
import { paginationQuery } from '#lib/http/pagination';
import { accountResponse } from '#lib/accounts/schemas';

/**
 * What moves a balance. `topup`, `indexing`, `search`, `storage` and `refund` are written by the
 * metering and Stripe work that builds on the ledger.
 */
export const LEDGER_ENTRY_TYPES = ['trial_credit', 'trial_expiry', 'grant', 'topup', 'indexing', 'search', 'storage', 'refund'] as const;
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];

export const billingView = z.object({
  plan: accountResponse.shape.plan,
  credits_micros: z.number().int(),
  /** The saved card; null until Stripe is configured and a card is saved. */
  payment_method: z.object({ brand: z.string(), last4: z.string() }).nullable(),
  auto_topup: z.object({ enabled: z.boolean(), threshold_micros: z.number().int(), amount_micros: z.number().int() }),
});

export const listTransactionsQuery = z.strictObject(paginationQuery());

export const ledgerEntryView = z.object({
  id: z.string(),
  type: z.enum(LEDGER_ENTRY_TYPES),
  amount_micros: z.number().int(),
  balance_after_micros: z.number().int(),
  description: z.string(),
  created_at: z.string(),
});
