import { apiHandler } from '#lib/http/api-handler';
import { cursorScope, pageMeta, pageRequest } from '#lib/pagination';
import { listKeys } from '#lib/auth/api-keys';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listApiKeys, async ({ principal, query }) => {
  const scope = cursorScope(principal.accountId, 'api_keys');
  const page = await listKeys(principal.accountId, pageRequest(scope, query));
  return { data: page.items, meta: pageMeta(scope, page) };
});
