import { apiHandler } from '#lib/http/api-handler';
import { updateWebhook } from '#lib/webhooks/endpoints';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.updateWebhook, async ({ principal, params, body }) => ({
  data: await updateWebhook(principal.accountId, params.webhook_id, body),
}));
