import Stripe from 'stripe';
import { config } from '#lib/config';
import { AppError } from '#lib/errors';
import { loadStripeKeys } from '#lib/billing/stripe-secret';

/**
 * The one Stripe client of this process, made at cold start from config. With
 * FRAMESEEK_STRIPE_API_URL it talks to a stand-in (tests) instead of api.stripe.com.
 * Without keys there is no client: whatever needs Stripe answers BILLING_NOT_CONFIGURED,
 * while reading the balance and the ledger keeps working.
 */
function apiAddress(apiUrl: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (apiUrl === undefined) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol };
}

// Top-level await: the keys are read once, at cold start, before the first request is served.
const keys = await loadStripeKeys();

const client =
  keys === undefined
    ? undefined
    : new Stripe(keys.secretKey, {
        // Pinned to the version this SDK's types describe, so responses match what the code reads.
        apiVersion: Stripe.API_VERSION,
        typescript: true,
        // Stripe's default (80 s, 2 retries) outlasts the billing routes' 10 s: two tries of 4 s fit inside it.
        timeout: 4000,
        maxNetworkRetries: 1,
        ...apiAddress(config.FRAMESEEK_STRIPE_API_URL),
      });

const NOT_CONFIGURED_MESSAGE =
  'Billing is not configured on this deployment (no Stripe keys), so cards cannot be charged; an operator can grant credits with `frameseek admin grant-credits`';

export function billingConfigured(): boolean {
  return client !== undefined;
}

/** The client, or BILLING_NOT_CONFIGURED for the caller to answer. */
export function stripeClient(): Stripe {
  if (!client) throw new AppError('BILLING_NOT_CONFIGURED', NOT_CONFIGURED_MESSAGE);
  return client;
}

export interface WebhookSettings {
  client: Stripe;
  secret: string;
}

export function stripeWebhookSettings(): WebhookSettings {
  if (!client || !keys) throw new AppError('BILLING_NOT_CONFIGURED', NOT_CONFIGURED_MESSAGE);
  return { client, secret: keys.webhookSecret };
}

/** Where Stripe Checkout sends people back to (config makes it present whenever Stripe is configured). */
export function publicUrl(): string {
  const url = config.FRAMESEEK_PUBLIC_URL;
  if (url === undefined) throw new AppError('BILLING_NOT_CONFIGURED', NOT_CONFIGURED_MESSAGE);
  return url.replace(/\/+$/, '');
}

/** Stripe amounts are integer cents; ours integer micro-dollars (the schemas only let whole cents through). */
export const MICROS_PER_CENT = 10_000;

export function centsOf(amountMicros: number): number {
  if (amountMicros % MICROS_PER_CENT !== 0) throw new Error(`${amountMicros} micro-dollars is not a whole number of cents`);
  return amountMicros / MICROS_PER_CENT;
}

export const { StripeCardError } = Stripe.errors;
export type StripeEvent = Stripe.Event;
export type StripeCheckoutSession = Stripe.Checkout.Session;
export type StripePaymentIntent = Stripe.PaymentIntent;
