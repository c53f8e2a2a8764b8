import { AppError } from '#lib/errors';
import { paginate, type Page } from '#lib/pagination';
import { getJobRecord, jobView, listJobRecords, type JobStatus, type JobView } from '#lib/db/jobs';

export type { JobView };

export async function getJob(accountId: string, jobId: string): Promise<JobView> {
  const job = await getJobRecord(accountId, jobId);
  if (!job) throw new AppError('JOB_NOT_FOUND');
  return jobView(job);
}

export async function listJobs(
  accountId: string,
  filters: { status?: readonly JobStatus[] | undefined; collectionId?: string | undefined },
  page: number,
  perPage: number,
): Promise<Page<JobView>> {
  const jobs = (await listJobRecords(accountId)).filter(
    (job) => (!filters.collectionId || job.collection_id === filters.collectionId) && (!filters.status?.length || filters.status.includes(job.status)),
  );
  const result = paginate(jobs, page, perPage);
  return { ...result, items: result.items.map(jobView) };
}
