import { AppError } from '#lib/errors';
import { now } from '#lib/clock';
import { PLAN_IDS, type PlanId } from '#lib/plans';
import { credit } from '#lib/billing/ledger';
import type { LedgerEntryRecord } from '#lib/db/ledger';
import { normalizeEmail } from '#lib/text';
import { countListRows, findAccountIdByEmail, setListCounters, updateAccountPlan, type ListCounter } from '#lib/db/accounts';

/**
 * Operator actions (plans.md, Deployment settings) for a self-hosted deployment without Stripe:
 * they act on the data store directly and are never reachable over HTTP.
 */
export function isPlanId(value: string): value is PlanId {
  return (PLAN_IDS as readonly string[]).includes(value);
}

async function accountIdOf(email: string): Promise<string> {
  const accountId = await findAccountIdByEmail(normalizeEmail(email));
  if (!accountId) throw new AppError('NOT_FOUND', `No account has the email ${email}`);
  return accountId;
}

export async function setPlanByEmail(email: string, plan: PlanId): Promise<{ accountId: string; plan: PlanId }> {
  const accountId = await accountIdOf(email);
  // The email guard can outlive its account for a moment while the account is being deleted.
  if (!(await updateAccountPlan(accountId, plan, now().toISOString()))) throw new AppError('NOT_FOUND', `No account has the email ${email}`);
  return { accountId, plan };
}

/** Every grant is a `grant` ledger row; granted credit never expires. */
export async function grantCreditsByEmail(email: string, micros: number, note?: string): Promise<{ accountId: string; entry: LedgerEntryRecord }> {
  const accountId = await accountIdOf(email);
  const entry = await credit(accountId, micros, 'grant', note ?? 'Credit granted by the operator');
  return { accountId, entry };
}

/**
 * Sets the account's list counters (`meta.total` of its lists) from its rows: once, for an account made
 * before the counters existed. Run while the account is quiet (a write between the count and the set is lost).
 */
export async function recountListsByEmail(email: string): Promise<{ accountId: string; counts: Record<ListCounter, number> }> {
  const accountId = await accountIdOf(email);
  const counts = await countListRows(accountId);
  await setListCounters(accountId, counts);
  return { accountId, counts };
}
