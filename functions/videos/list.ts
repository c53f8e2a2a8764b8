import { apiHandler } from '#lib/http/api-handler';
import { cursorScope, pageMeta, pageRequest } from '#lib/pagination';
import { listVideos } from '#lib/videos/videos';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listVideos, async ({ principal, query }) => {
  const scope = cursorScope(principal.accountId, 'videos', { collection_id: query.collection_id, status: query.status });
  const page = await listVideos(principal.accountId, { collectionId: query.collection_id, statuses: query.status }, pageRequest(scope, query));
  return { data: page.items, meta: pageMeta(scope, page) };
});
