import { apiHandler } from '#lib/http/api-handler';
import { describeBilling } from '#lib/billing/billing';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.getBilling, async ({ principal }) => ({
  data: await describeBilling(principal.accountId),
}));
