import { createHash } from 'node:crypto';
import { now } from '#lib/clock';
import { throwIfArmed } from '#lib/faults';
import { AppError, validationError } from '#lib/errors';
import { plansTable } from '#lib/plans';
import { balanceOf, newLedgerEntry } from '#lib/billing/ledger';
import { backOff, oneAtATime } from '#lib/billing/account-queue';
import { announceCreditEvents, creditEventWrites } from '#lib/billing/credit-events';
import {
  requireAccount,
  getAccount,
  recordStripeCustomer,
  saveAutoTopUp,
  updateAccountPlan,
  type AccountRecord,
  type AutoTopUpSettings,
  type SavedPaymentMethod,
} from '#lib/db/accounts';
import { writeBalanceChange } from '#lib/db/ledger';
import { eventAppliedPut, findAppliedPayment, paymentAppliedPut, type AppliedPaymentRecord } from '#lib/db/payments';
import { centsOf, publicUrl, StripeCardError, stripeClient, type StripePaymentIntent } from '#lib/billing/stripe-client';

/**
 * Buying credits with Stripe (plans.md, Credits): Checkout for the first purchase (it saves the
 * card), off-session charges on the saved card after that. Money reaches the balance only through
 * `creditPaymentOnce`, whichever path reports the payment first.
 */

/** Why a PaymentIntent exists, in its metadata: the webhook credits top-ups; Checkout payments come with their session. */
export type PaymentPurpose = 'checkout' | 'topup' | 'auto_topup';

const NO_SAVED_CARD = 'No card is saved on this account: buy credits once with POST /v1/billing/checkout, which saves the card for later';

export function dollars(amountMicros: number): string {
  return `$${(amountMicros / 1_000_000).toFixed(2)}`;
}

/** The plan table's minimum (a deployment may change it), refused like any other bad field. */
export function requireMinimumTopUp(amountMicros: number, field = 'amount_micros'): void {
  const minimum = plansTable.prices.min_topup_micros;
  if (amountMicros < minimum) {
    throw validationError([{ path: field, message: `must be at least ${minimum} micro-dollars (${dollars(minimum)})` }]);
  }
}

/** The account's Stripe customer, created on first need. */
async function stripeCustomerOf(account: AccountRecord): Promise<string> {
  if (account.stripe_customer_id) return account.stripe_customer_id;
  const customer = await stripeClient().customers.create(
    { email: account.email, metadata: { account_id: account.account_id } },
    // Concurrent first requests get the same customer back from Stripe instead of one each.
    { idempotencyKey: `frameseek-customer-${account.account_id}` },
  );
  return recordStripeCustomer(account.account_id, customer.id);
}

/**
 * Stripe's idempotency key for what one request asks of it, from the account, the request's own `Idempotency-Key`
 * and the amount: a retry of that request (after a timeout, a lost answer or a crash, when our own idempotency record
 * did not survive) gets the first PaymentIntent or Checkout Session back instead of charging again. Without an
 * `Idempotency-Key` there is nothing to tie a retry to, and none is sent.
 */
export function stripeIdempotencyKey(
  action: 'topup' | 'checkout',
  accountId: string,
  requestKey: string | undefined,
  amountMicros: number,
): string | undefined {
  if (requestKey === undefined) return undefined;
  const digest = createHash('sha256').update(`${accountId}\n${requestKey}\n${amountMicros}`).digest('base64url');
  return `frameseek-${action}-${accountId}-${digest}`;
}

export async function startCheckout(accountId: string, amountMicros: number, idempotencyKey?: string): Promise<{ url: string }> {
  requireMinimumTopUp(amountMicros);
  const stripe = stripeClient();
  const returnTo = publicUrl();
  const customer = await stripeCustomerOf(await requireAccount(accountId));
  const metadata = { account_id: accountId, amount_micros: String(amountMicros) };
  const stripeKey = stripeIdempotencyKey('checkout', accountId, idempotencyKey, amountMicros);
  const session = await stripe.checkout.sessions.create(
    {
      mode: 'payment',
      customer,
      client_reference_id: accountId,
      // Cards only: they pay at once and can be charged again off-session for top-ups.
      allowed_payment_method_types: ['card'],
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: centsOf(amountMicros), product_data: { name: 'Frameseek credits' } } }],
      payment_intent_data: { setup_future_usage: 'off_session', metadata: { ...metadata, purpose: 'checkout' satisfies PaymentPurpose } },
      metadata,
      success_url: `${returnTo}/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${returnTo}/billing?checkout=cancelled`,
    },
    stripeKey === undefined ? undefined : { idempotencyKey: stripeKey },
  );
  if (!session.url) throw new Error(`Stripe answered Checkout Session ${session.id} without a URL`);
  return { url: session.url };
}

export interface TopUpResult {
  credits_micros: number;
  transaction_id: string;
}

/**
 * Charges the saved card off-session and credits the balance once the charge succeeded. The charge carries a
 * Stripe idempotency key made from the request's `Idempotency-Key` (stripeIdempotencyKey), so a retried request
 * credits the same PaymentIntent once (creditPaymentOnce) rather than charging the card twice.
 */
export async function topUp(accountId: string, amountMicros: number, idempotencyKey?: string): Promise<TopUpResult> {
  requireMinimumTopUp(amountMicros);
  const account = await requireAccount(accountId);
  const stripeKey = stripeIdempotencyKey('topup', accountId, idempotencyKey, amountMicros);
  const intent = await chargeSavedCard(account, amountMicros, { purpose: 'topup', ...(stripeKey === undefined ? {} : { idempotencyKey: stripeKey }) });
  throwIfArmed('topup_answer_lost');

  const outcome = await creditPaymentOnce({
    accountId,
    paymentIntentId: intent.id,
    amountMicros,
    description: paymentDescription('topup', amountMicros),
    appliedBy: 'topup',
  });
  if (outcome.kind === 'applied') return { credits_micros: outcome.balanceAfterMicros, transaction_id: outcome.payment.transaction_id };
  // Stripe's payment_intent.succeeded event got there first and credited it.
  const current = await requireAccount(accountId);
  return { credits_micros: balanceOf(current).credits_micros, transaction_id: outcome.payment.transaction_id };
}

export interface CardCharge {
  purpose: Exclude<PaymentPurpose, 'checkout'>;
  /** Extra metadata on the PaymentIntent (the auto top-up request it pays). */
  metadata?: Record<string, string>;
  /** Stripe's idempotency key: a retried charge of the same request returns the first PaymentIntent instead of charging again. */
  idempotencyKey?: string;
}

/**
 * An off-session charge on the account's saved card that succeeded, or BILLING_NOT_CONFIGURED,
 * PAYMENT_METHOD_REQUIRED (no card) or PAYMENT_FAILED (declined, authentication wanted, …);
 * anything else (Stripe unreachable) is thrown as it is, for the caller to retry.
 */
export async function chargeSavedCard(account: AccountRecord, amountMicros: number, charge: CardCharge): Promise<StripePaymentIntent> {
  const stripe = stripeClient();
  const card = account.payment_method;
  if (!card || !account.stripe_customer_id) throw new AppError('PAYMENT_METHOD_REQUIRED', NO_SAVED_CARD);
  let intent: StripePaymentIntent;
  try {
    intent = await stripe.paymentIntents.create(
      {
        amount: centsOf(amountMicros),
        currency: 'usd',
        customer: account.stripe_customer_id,
        payment_method: card.id,
        confirm: true,
        off_session: true,
        description: 'Frameseek credits',
        metadata: { ...charge.metadata, account_id: account.account_id, amount_micros: String(amountMicros), purpose: charge.purpose },
      },
      charge.idempotencyKey === undefined ? undefined : { idempotencyKey: charge.idempotencyKey },
    );
  } catch (error) {
    throw chargeFailure(error, card);
  }
  if (intent.status !== 'succeeded') {
    throw new AppError('PAYMENT_FAILED', `The charge on the ${cardName(card)} did not complete (Stripe status ${intent.status}); no credit was added`);
  }
  return intent;
}

function cardName(card: SavedPaymentMethod): string {
  return `${card.brand} card ending in ${card.last4}`;
}

/** A refused charge becomes PAYMENT_FAILED saying what to do; anything else stays unexpected. */
function chargeFailure(error: unknown, card: SavedPaymentMethod): unknown {
  if (!(error instanceof StripeCardError)) return error;
  if (error.code === 'authentication_required') {
    return new AppError(
      'PAYMENT_FAILED',
      `The bank of the ${cardName(card)} wants the cardholder to confirm this charge (authentication required), which an off-session top-up cannot do; buy credits with POST /v1/billing/checkout instead`,
    );
  }
  if (error.code === 'card_declined') {
    const reason = error.decline_code && error.decline_code !== 'generic_decline' ? ` (${error.decline_code.replaceAll('_', ' ')})` : '';
    return new AppError('PAYMENT_FAILED', `The ${cardName(card)} was declined${reason}; no credit was added. Use another card with POST /v1/billing/checkout`);
  }
  return new AppError('PAYMENT_FAILED', `The charge on the ${cardName(card)} failed: ${error.message}`);
}

/** The ledger row's description: the same whichever path credits the payment. */
export function paymentDescription(purpose: PaymentPurpose, amountMicros: number): string {
  switch (purpose) {
    case 'checkout':
      return `Credits bought with Stripe Checkout (${dollars(amountMicros)})`;
    case 'topup':
      return `Card top-up (${dollars(amountMicros)})`;
    case 'auto_topup':
      return `Auto top-up (${dollars(amountMicros)})`;
  }
}

export interface PaymentCredit {
  accountId: string;
  paymentIntentId: string;
  amountMicros: number;
  description: string;
  appliedBy: AppliedPaymentRecord['applied_by'];
  /** The Stripe event reporting the payment, guarded in the same transaction. */
  event?: { id: string; type: string };
  /** The auto top-up request this payment answers: ended with the credit, so the next crossing may charge again. */
  settlesAutoTopUp?: string;
}

export type CreditOutcome =
  { kind: 'applied'; payment: AppliedPaymentRecord; balanceAfterMicros: number } | { kind: 'already_applied'; payment: AppliedPaymentRecord };

const MAX_ATTEMPTS = 30;

/**
 * Credits a Stripe payment exactly once. The balance change, its `topup` ledger row and the
 * payment's guard (plus the event's, for a webhook) are one transaction: the top-up's own answer
 * and Stripe's event may race, and only one of them writes. This is changeBalance's loop (read,
 * write on condition, read again after a lost race) with one difference that keeps it apart: the
 * guard names the ledger row it paid into, and changeBalance makes that row's id only after
 * asking what to write.
 */
export function creditPaymentOnce(credit: PaymentCredit): Promise<CreditOutcome> {
  return oneAtATime(credit.accountId, () => writeCreditOnce(credit));
}

async function writeCreditOnce(credit: PaymentCredit): Promise<CreditOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const account = await getAccount(credit.accountId);
    if (!account) throw new Error(`Payment ${credit.paymentIntentId} names account ${credit.accountId}, which does not exist`);
    const seen = balanceOf(account);
    const entry = newLedgerEntry('topup', credit.amountMicros, seen.credits_micros + credit.amountMicros, credit.description);
    const appliedAt = now();
    const payment: AppliedPaymentRecord = {
      payment_intent_id: credit.paymentIntentId,
      account_id: credit.accountId,
      amount_micros: credit.amountMicros,
      transaction_id: entry.id,
      applied_at: appliedAt.toISOString(),
      applied_by: credit.appliedBy,
    };
    const creditEvents = creditEventWrites(credit.accountId, seen.credits_micros, entry.balance_after_micros);
    const alongside = [
      paymentAppliedPut(payment),
      ...(credit.event ? [eventAppliedPut(credit.event.id, credit.event.type, appliedAt)] : []),
      // As changeBalance does (a credit never crosses downwards today, but the rule belongs to every balance change).
      ...creditEvents.puts,
    ];
    const settling =
      account.auto_topup_pending !== undefined && account.auto_topup_pending === credit.settlesAutoTopUp ? account.auto_topup_pending : undefined;
    const outcome = await writeBalanceChange({
      accountId: credit.accountId,
      seen,
      entry,
      trial: { kind: 'unchanged' },
      alongside,
      ...(settling ? { account: { autoTopUp: { kind: 'settle' as const, requestId: settling } } } : {}),
    });
    if (outcome === 'written') {
      announceCreditEvents(credit.accountId, creditEvents);
      return { kind: 'applied', payment, balanceAfterMicros: entry.balance_after_micros };
    }
    if (outcome === 'refused') {
      const applied = await findAppliedPayment(credit.paymentIntentId);
      if (!applied) throw new Error(`Event ${credit.event?.id ?? '(none)'} was applied without its payment ${credit.paymentIntentId}`);
      return { kind: 'already_applied', payment: applied };
    }
    await backOff(attempt);
  }
  throw new Error(`The balance of ${credit.accountId} kept changing under ${MAX_ATTEMPTS} attempts to credit ${credit.paymentIntentId}`);
}

/** Auto top-up settings; switching it on needs a card to charge. */
export async function configureAutoTopUp(accountId: string, settings: AutoTopUpSettings): Promise<AutoTopUpSettings> {
  requireMinimumTopUp(settings.amount_micros);
  if (settings.enabled) stripeClient();
  const account = await requireAccount(accountId);
  if (settings.enabled && !account.payment_method) {
    throw new AppError('PAYMENT_METHOD_REQUIRED', `Auto top-up charges the saved card, and there is none. ${NO_SAVED_CARD}`);
  }
  await saveAutoTopUp(accountId, settings);
  return { enabled: settings.enabled, threshold_micros: settings.threshold_micros, amount_micros: settings.amount_micros };
}

/** Free → pay as you go; metered usage is paid from credits, which needs a card behind them. */
export async function upgradePlan(accountId: string, plan: 'payg'): Promise<{ plan: AccountRecord['plan'] }> {
  const account = await requireAccount(accountId);
  if (account.plan === plan) return { plan };
  if (account.plan === 'enterprise') {
    throw validationError([{ path: 'plan', message: 'an enterprise plan changes by contract; contact support' }]);
  }
  stripeClient();
  if (!account.payment_method) throw new AppError('PAYMENT_METHOD_REQUIRED', `Pay as you go needs a saved card. ${NO_SAVED_CARD}`);
  if (!(await updateAccountPlan(accountId, plan, now().toISOString())))
    throw new AppError('UNAUTHORIZED', 'The account behind this credential no longer exists');
  return { plan };
}
