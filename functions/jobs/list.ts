import { apiHandler } from '#lib/http/api-handler';
import { pageMeta } from '#lib/pagination';
import { listJobs } from '#lib/jobs/jobs';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listJobs, async ({ principal, query }) => {
  const page = await listJobs(principal.accountId, { status: query.status, collectionId: query.collection_id }, query.page, query.per_page);
  return { data: page.items, meta: pageMeta(page) };
});
