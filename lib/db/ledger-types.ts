/* Apart from lib/db/ledger.ts so that the route table's schemas can name them without loading the table client. */

/**
 * What moves a balance. `topup`, `indexing`, `search`, `storage` and `refund` are written by the
 * metering and Stripe work that builds on the ledger; `reversal` takes back credit whose card payment
 * Stripe refunded or the cardholder disputed (the only change that may take a balance below zero).
 */
export const LEDGER_ENTRY_TYPES = ['trial_credit', 'trial_expiry', 'grant', 'topup', 'indexing', 'search', 'storage', 'refund', 'reversal'] as const;
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];
