import { apiHandler } from '#lib/http/api-handler';
import { upgradePlan } from '#lib/billing/payments';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.changePlan, async ({ principal, body }) => ({
  data: await upgradePlan(principal.accountId, body.plan),
}));
