import { apiHandler } from '#lib/http/api-handler';
import { pageMeta } from '#lib/pagination';
import { listCollections } from '#lib/collections/collections';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listCollections, async ({ principal, query }) => {
  const page = await listCollections(principal.accountId, query.page, query.per_page);
  return { data: page.items, meta: pageMeta(page) };
});
