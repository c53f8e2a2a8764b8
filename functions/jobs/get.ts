import { apiHandler } from '#lib/http/api-handler';
import { getJob } from '#lib/jobs/jobs';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.getJob, async ({ principal, params }) => ({
  data: await getJob(principal.accountId, params.job_id),
}));
