import { apiHandler } from '#lib/http/api-handler';
import { cursorScope, pageMeta, pageRequest } from '#lib/pagination';
import { listWebhooks } from '#lib/webhooks/endpoints';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listWebhooks, async ({ principal, query }) => {
  const scope = cursorScope(principal.accountId, 'webhooks');
  const { page, defaultSecretSet } = await listWebhooks(principal.accountId, pageRequest(scope, query));
  return { data: page.items, meta: { ...pageMeta(scope, page), default_secret_set: defaultSecretSet } };
});
