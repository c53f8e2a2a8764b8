import { apiHandler } from '#lib/http/api-handler';
import { rotateWebhookSecret } from '#lib/webhooks/endpoints';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.rotateWebhookSecret, async ({ principal, params }) => ({
  data: await rotateWebhookSecret(principal.accountId, params.webhook_id),
}));
