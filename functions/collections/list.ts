import { apiHandler } from '#lib/http/api-handler';
import { cursorScope, pageMeta, pageRequest } from '#lib/pagination';
import { listCollections } from '#lib/collections/collections';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listCollections, async ({ principal, query }) => {
  const scope = cursorScope(principal.accountId, 'collections');
  const page = await listCollections(principal.accountId, pageRequest(scope, query));
  return { data: page.items, meta: pageMeta(scope, page) };
});
