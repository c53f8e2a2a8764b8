import { apiHandler } from '#lib/http/api-handler';
import { createWebhook } from '#lib/webhooks/endpoints';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.createWebhook, async ({ principal, body }) => ({
  data: await createWebhook(principal.accountId, body),
}));
