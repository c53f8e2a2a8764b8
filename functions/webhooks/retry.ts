import { apiHandler } from '#lib/http/api-handler';
import { retryDelivery } from '#lib/webhooks/deliveries';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.retryWebhookDelivery, async ({ principal, params }) => ({
  data: await retryDelivery(principal.accountId, params.webhook_id, params.delivery_id),
}));
