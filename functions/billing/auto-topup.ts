import { apiHandler } from '#lib/http/api-handler';
import { configureAutoTopUp } from '#lib/billing/payments';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.configureAutoTopUp, async ({ principal, body }) => ({
  data: await configureAutoTopUp(principal.accountId, body),
}));
