import type { PlanId } from '#lib/plans';
import type { Page, PageRequest } from '#lib/pagination';
import { readLedgerPage, type LedgerEntryRecord } from '#lib/db/ledger';
import { getAccount, isSuspended, requireAccount, type AutoTopUpFailure } from '#lib/db/accounts';

export interface BillingView {
  plan: PlanId;
  credits_micros: number;
  suspended: boolean;
  payment_method: { brand: string; last4: string } | null;
  auto_topup: {
    enabled: boolean;
    threshold_micros: number;
    amount_micros: number;
    last_error?: { code: AutoTopUpFailure['code']; message: string; failed_at: string };
  };
}

/** Auto top-up of an account that never set it: off. */
const AUTO_TOPUP_OFF = { enabled: false, threshold_micros: 0, amount_micros: 0 };

/** Reads only the account: works whether or not this deployment has Stripe keys. */
export async function describeBilling(accountId: string): Promise<BillingView> {
  const account = await requireAccount(accountId);
  const card = account.payment_method;
  const autoTopUp = account.auto_topup ?? AUTO_TOPUP_OFF;
  const failure = account.auto_topup_failure;
  return {
    plan: account.plan,
    credits_micros: account.credits_micros ?? 0,
    suspended: isSuspended(account),
    payment_method: card ? { brand: card.brand, last4: card.last4 } : null,
    auto_topup: {
      enabled: autoTopUp.enabled,
      threshold_micros: autoTopUp.threshold_micros,
      amount_micros: autoTopUp.amount_micros,
      ...(failure ? { last_error: { code: failure.code, message: failure.message, failed_at: failure.failed_at } } : {}),
    },
  };
}

/** The account's ledger, newest first: a page by key condition, the total from the account's counter. */
export async function listTransactions(accountId: string, request: PageRequest): Promise<Page<LedgerEntryRecord>> {
  const [page, account] = await Promise.all([
    readLedgerPage(accountId, { limit: request.perPage, skip: request.skip, after: request.after }),
    getAccount(accountId),
  ]);
  return { items: page.items, total: account?.ledger_entries ?? 0, page: request.page, per_page: request.perPage, next: page.next };
}
