import { apiHandler } from '#lib/http/api-handler';
import { applyStripeEvent, verifyStripeEvent } from '#lib/billing/stripe-webhook';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.stripeWebhook, async ({ rawBody, header }) => ({
  data: { received: true, outcome: await applyStripeEvent(verifyStripeEvent(rawBody, header('stripe-signature'))) },
}));
