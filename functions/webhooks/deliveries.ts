import { apiHandler } from '#lib/http/api-handler';
import { pageMeta } from '#lib/pagination';
import { listWebhookDeliveries } from '#lib/webhooks/endpoints';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listWebhookDeliveries, async ({ principal, params, query }) => {
  const page = await listWebhookDeliveries(principal.accountId, params.webhook_id, query.page, query.per_page);
  return { data: page.items, meta: pageMeta(page) };
});
