import { apiHandler } from '#lib/http/api-handler';
import { startCheckout } from '#lib/billing/payments';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.startCheckout, async ({ principal, body, idempotencyKey }) => ({
  data: await startCheckout(principal.accountId, body.amount_micros, idempotencyKey),
}));
