import Stripe from 'stripe';
import { AppError } from '#lib/errors';
import { logWarn } from '#lib/log';
import { getAccount, saveDefaultPaymentMethod, type AccountRecord } from '#lib/db/accounts';
import { isEventApplied } from '#lib/db/payments';
import { creditPaymentOnce, paymentDescription, type PaymentPurpose } from '#lib/billing/payments';
import { AUTO_TOPUP_METADATA_KEY } from '#lib/billing/auto-topup';
import { takeBackPayment } from '#lib/billing/reversals';
import {
  centsOf,
  MICROS_PER_CENT,
  stripeClient,
  stripeWebhookSettings,
  type StripeCheckoutSession,
  type StripeEvent,
  type StripePaymentIntent,
} from '#lib/billing/stripe-client';

/**
 * Stripe → us (POST /v1/billing/stripe-webhook). The signature is checked on the body exactly as
 * it arrived; each event changes the balance at most once (its guard is written with the credit).
 */
export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored';

export function verifyStripeEvent(rawBody: string | Uint8Array, signatureHeader: string | undefined): StripeEvent {
  const { client, secret } = stripeWebhookSettings();
  if (!signatureHeader) throw new AppError('BAD_REQUEST', 'Missing Stripe-Signature header: only Stripe posts here, and it signs every event');
  try {
    return client.webhooks.constructEvent(rawBody, signatureHeader, secret);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new AppError(
        'BAD_REQUEST',
        'The Stripe-Signature header does not verify against this body (another secret, an altered body, or more than 5 minutes old)',
      );
    }
    if (error instanceof SyntaxError) throw new AppError('BAD_REQUEST', 'The signed body is not JSON');
    throw error;
  }
}

export async function applyStripeEvent(event: StripeEvent): Promise<WebhookOutcome> {
  switch (event.type) {
    case 'checkout.session.completed':
      return applyCompletedCheckout(event, event.data.object);
    case 'payment_intent.succeeded':
      return applySucceededTopUp(event, event.data.object);
    // A refund (made in Stripe's dashboard) or a dispute gives the card back its money: the credit it bought goes too.
    case 'charge.refunded': {
      const charge = event.data.object;
      const paymentIntentId = idOf(charge.payment_intent);
      if (!paymentIntentId) return 'ignored';
      return takeBackPayment({ event: { id: event.id, type: event.type }, paymentIntentId, refundedMicros: charge.amount_refunded * MICROS_PER_CENT });
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      const paymentIntentId = idOf(dispute.payment_intent);
      if (!paymentIntentId) return 'ignored';
      return takeBackPayment({ event: { id: event.id, type: event.type }, paymentIntentId, disputedMicros: dispute.amount * MICROS_PER_CENT });
    }
    default:
      return 'ignored';
  }
}

function idOf(value: string | { id: string } | null): string | undefined {
  return typeof value === 'string' ? value : value?.id;
}

interface OurPayment {
  account: AccountRecord;
  amountMicros: number;
}

/**
 * The account and amount our own metadata names, or undefined for a payment that is not ours to
 * credit: one Stripe account may post the events of several deployments (dev, test) everywhere.
 */
async function ourPayment(
  event: StripeEvent,
  metadata: Stripe.Metadata | null,
  customer: string | { id: string } | null,
  amountCents: number | null,
): Promise<OurPayment | undefined> {
  const accountId = metadata?.account_id;
  const amountMicros = Number(metadata?.amount_micros);
  if (!accountId || !Number.isSafeInteger(amountMicros) || amountMicros <= 0) return undefined;
  const account = await getAccount(accountId);
  const customerId = typeof customer === 'string' ? customer : customer?.id;
  if (!account || !account.stripe_customer_id || account.stripe_customer_id !== customerId) {
    logWarn('Stripe event for an account this deployment does not know', { event_id: event.id, event_type: event.type, account_id: accountId });
    return undefined;
  }
  // Both numbers come from us; a mismatch is a bug a person has to look at, and Stripe keeps retrying meanwhile.
  if (amountCents !== centsOf(amountMicros)) {
    throw new Error(`Stripe event ${event.id}: ${amountCents} cents paid, metadata says ${amountMicros} micro-dollars`);
  }
  return { account, amountMicros };
}

async function applyCompletedCheckout(event: StripeEvent, session: StripeCheckoutSession): Promise<WebhookOutcome> {
  if (session.mode !== 'payment' || session.payment_status !== 'paid') return 'ignored';
  const payment = await ourPayment(event, session.metadata, session.customer, session.amount_total);
  if (!payment) return 'ignored';
  if (await isEventApplied(event.id)) return 'duplicate';
  const paymentIntentId = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
  if (!paymentIntentId) throw new Error(`Checkout Session ${session.id} was paid without a PaymentIntent`);

  // The card first: should the credit then fail, Stripe's retry does both again; the other order could credit and never save it.
  await saveCardOf(payment.account.account_id, paymentIntentId);
  const outcome = await creditPaymentOnce({
    accountId: payment.account.account_id,
    paymentIntentId,
    amountMicros: payment.amountMicros,
    description: paymentDescription('checkout', payment.amountMicros),
    appliedBy: 'stripe_event',
    event: { id: event.id, type: event.type },
  });
  return outcome.kind === 'applied' ? 'applied' : 'duplicate';
}

/** The card Checkout saved (setup_future_usage) becomes the one off-session charges use. */
async function saveCardOf(accountId: string, paymentIntentId: string): Promise<void> {
  const stripe = stripeClient();
  const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
  const methodId = typeof intent.payment_method === 'string' ? intent.payment_method : intent.payment_method?.id;
  if (!methodId) return;
  const method = await stripe.paymentMethods.retrieve(methodId);
  if (method.type !== 'card' || !method.card) return;
  await saveDefaultPaymentMethod(accountId, { id: method.id, brand: method.card.brand, last4: method.card.last4 });
}

const OFF_SESSION_PURPOSES: readonly PaymentPurpose[] = ['topup', 'auto_topup'];

function offSessionPurpose(value: string | undefined): PaymentPurpose | undefined {
  return OFF_SESSION_PURPOSES.find((purpose) => purpose === value);
}

/**
 * An off-session charge that succeeded: a top-up (POST /v1/billing/topup credits it in its own
 * answer) or an auto top-up (its charger credits it). This covers the answer or charger that never
 * got that far (a timeout, a crash) — the shared guard keeps it to one credit, and for an auto
 * top-up the credit also ends the account's pending request. Checkout's payments are credited by
 * their checkout.session.completed instead.
 */
async function applySucceededTopUp(event: StripeEvent, intent: StripePaymentIntent): Promise<WebhookOutcome> {
  const purpose = offSessionPurpose(intent.metadata.purpose);
  if (!purpose) return 'ignored';
  const payment = await ourPayment(event, intent.metadata, intent.customer, intent.amount_received);
  if (!payment) return 'ignored';
  const autoTopUpRequest = purpose === 'auto_topup' ? intent.metadata[AUTO_TOPUP_METADATA_KEY] : undefined;
  const outcome = await creditPaymentOnce({
    accountId: payment.account.account_id,
    paymentIntentId: intent.id,
    amountMicros: payment.amountMicros,
    description: paymentDescription(purpose, payment.amountMicros),
    appliedBy: 'stripe_event',
    event: { id: event.id, type: event.type },
    ...(autoTopUpRequest ? { settlesAutoTopUp: autoTopUpRequest } : {}),
  });
  return outcome.kind === 'applied' ? 'applied' : 'duplicate';
}
