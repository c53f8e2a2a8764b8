import { apiHandler } from '#lib/http/api-handler';
import { deleteWebhook } from '#lib/webhooks/endpoints';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.deleteWebhook, async ({ principal, params }) => {
  await deleteWebhook(principal.accountId, params.webhook_id);
});
