import { AppError } from '#lib/errors';
import { paginate, type Page } from '#lib/pagination';
import { getJobRecord, listJobRecords, type JobRecord, type JobStatus } from '#lib/db/jobs';

export interface JobView {
  id: string;
  job_id: string;
  /** The owning account's id (PureFrame's name for it). */
  user_id: string;
  video_id: string;
  collection_id: string;
  status: JobStatus;
  stage: string;
  progress_pct: number;
  /** errors.md (binding): a failed job carries `error: {code, message}`. */
  error: JobRecord['error'];
  /** api.md's PureFrame shape also names the code beside the error; additive, so errors.md's object stays. */
  error_code: string | null;
  created_at: string;
  updated_at: string;
}

function toJobView(job: JobRecord): JobView {
  return {
    id: job.job_id,
    job_id: job.job_id,
    user_id: job.account_id,
    video_id: job.video_id,
    collection_id: job.collection_id,
    status: job.status,
    stage: job.stage,
    progress_pct: job.progress_pct,
    error: job.error,
    error_code: job.error?.code ?? null,
    created_at: job.created_at,
    updated_at: job.updated_at,
  };
}

export async function getJob(accountId: string, jobId: string): Promise<JobView> {
  const job = await getJobRecord(accountId, jobId);
  if (!job) throw new AppError('JOB_NOT_FOUND');
  return toJobView(job);
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
  return { ...result, items: result.items.map(toJobView) };
}
