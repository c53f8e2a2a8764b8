import { apiHandler } from '#lib/http/api-handler';
import { cursorScope, pageMeta, pageRequest } from '#lib/pagination';
import { listJobs } from '#lib/jobs/jobs';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listJobs, async ({ principal, query }) => {
  const scope = cursorScope(principal.accountId, 'jobs', { collection_id: query.collection_id, status: query.status });
  const page = await listJobs(principal.accountId, { status: query.status, collectionId: query.collection_id }, pageRequest(scope, query));
  return { data: page.items, meta: pageMeta(scope, page) };
});
