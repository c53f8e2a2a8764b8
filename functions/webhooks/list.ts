import { apiHandler } from '#lib/http/api-handler';
import { listWebhooks } from '#lib/webhooks/endpoints';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listWebhooks, async ({ principal }) => {
  const { endpoints, defaultSecretSet } = await listWebhooks(principal.accountId);
  return { data: endpoints, meta: { default_secret_set: defaultSecretSet } };
});
