import { apiHandler } from '#lib/http/api-handler';
import { topUp } from '#lib/billing/payments';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.topUp, async ({ principal, body, idempotencyKey }) => ({
  data: await topUp(principal.accountId, body.amount_micros, idempotencyKey),
}));
