import { apiHandler } from '#lib/http/api-handler';
import { cursorScope, pageMeta, pageRequest } from '#lib/pagination';
import { listWebhookDeliveries } from '#lib/webhooks/endpoints';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listWebhookDeliveries, async ({ principal, params, query }) => {
  const scope = cursorScope(principal.accountId, 'webhook_deliveries', { webhook_id: params.webhook_id });
  const page = await listWebhookDeliveries(principal.accountId, params.webhook_id, pageRequest(scope, query));
  return { data: page.items, meta: pageMeta(scope, page) };
});
