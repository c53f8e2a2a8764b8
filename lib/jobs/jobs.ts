import { AppError } from '#lib/errors';
import type { Page, PageRequest } from '#lib/pagination';
import { countJobs, getJobRecord, jobView, readJobsPage, type JobListFilters, type JobView } from '#lib/db/jobs';
import { getAccount } from '#lib/db/accounts';

export type { JobView };

export async function getJob(accountId: string, jobId: string): Promise<JobView> {
  const job = await getJobRecord(accountId, jobId);
  if (!job) throw new AppError('JOB_NOT_FOUND');
  return jobView(job);
}

/**
 * GET /v1/jobs: a page read by key condition (GSI1 for one collection); the total from the account's
 * counter, or counted for a filter no counter keeps.
 */
export async function listJobs(accountId: string, filters: JobListFilters, request: PageRequest): Promise<Page<JobView>> {
  const filtered = filters.status?.length || filters.collectionId !== undefined;
  const [page, total] = await Promise.all([
    readJobsPage(accountId, filters, { limit: request.perPage, skip: request.skip, after: request.after }),
    filtered ? (request.carriedTotal ?? countJobs(accountId, filters)) : getAccount(accountId).then((account) => account?.job_count ?? 0),
  ]);
  return { items: page.items.map(jobView), total, page: request.page, per_page: request.perPage, next: page.next };
}
