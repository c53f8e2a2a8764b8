import { apiHandler } from '#lib/http/api-handler';
import { pageMeta } from '#lib/pagination';
import { listVideos } from '#lib/videos/videos';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listVideos, async ({ principal, query }) => {
  const page = await listVideos(principal.accountId, { collectionId: query.collection_id, statuses: query.status }, query.page, query.per_page);
  return { data: page.items, meta: pageMeta(page) };
});
