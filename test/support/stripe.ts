import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { routes } from '#functions/routes';
import { startStripeStandIn, type RunningStripeStandIn } from '#infra/local/stripe-standin';
import type { LocalRuntime } from '#infra/local/runtime';
import { useTestApi, type Client } from '#test/support/api';

/** Where Checkout sends people back to in these tests; nothing listens there. */
export const TEST_PUBLIC_URL = 'https://console.frameseek.test';

/**
 * The runtime with Stripe configured against the local stand-in. Order matters: the stand-in's
 * beforeAll is registered before the runtime's, so the Stripe settings are in the environment
 * before the runtime loads the first handler (config is read once, when lib/ first loads). Call
 * it instead of useTestApi(), at the top of a test file that imports nothing from lib/ itself.
 */
export function useTestApiWithStripe(): { api: Client & { runtime: () => LocalRuntime }; stripe: () => RunningStripeStandIn } {
  let standIn: RunningStripeStandIn | undefined;
  beforeAll(async () => {
    const secretKey = `sk_test_${randomBytes(12).toString('hex')}`;
    const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
    standIn = await startStripeStandIn({ secretKey, webhookSecret });
    Object.assign(process.env, {
      FRAMESEEK_STRIPE_SECRET_KEY: secretKey,
      FRAMESEEK_STRIPE_WEBHOOK_SECRET: webhookSecret,
      FRAMESEEK_STRIPE_API_URL: standIn.url,
      FRAMESEEK_PUBLIC_URL: TEST_PUBLIC_URL,
    });
  });
  afterAll(() => standIn?.stop());

  const api = useTestApi();
  const stripe = () => {
    if (!standIn) throw new Error('the Stripe stand-in is not running yet');
    return standIn;
  };
  beforeAll(() => stripe().sendEventsTo(() => `${api.runtime().url}${routes.stripeWebhook.path}`));
  return { api, stripe };
}

/** Signs with the stand-in's webhook secret, as Stripe would, for bodies a test makes up. */
export function stripeWebhookSecret(): string {
  const secret = process.env.FRAMESEEK_STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new Error('useTestApiWithStripe has not run');
  return secret;
}
