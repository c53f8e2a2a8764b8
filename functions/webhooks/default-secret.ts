import { apiHandler } from '#lib/http/api-handler';
import { replaceDefaultSecret } from '#lib/webhooks/endpoints';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.replaceDefaultWebhookSecret, async ({ principal }) => ({
  data: await replaceDefaultSecret(principal.accountId),
}));
