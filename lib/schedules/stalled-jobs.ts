import { nowMs } from '#lib/clock';
import { logWarn } from '#lib/log';
import { metrics } from '#lib/metrics';
import { getJobRecord, scanStalledJobs, type JobRecord } from '#lib/db/jobs';
import { getVideoRecord } from '#lib/db/videos';
import { failStalledIndexing } from '#lib/indexing/worker';
import { failStrandedIngest } from '#lib/uploads/ingest';
import { failStrandedFetch } from '#lib/uploads/url-ingest';

const HOUR_MS = 60 * 60 * 1000;
/** Ingest and the URL fetch: three tries of their function's timeout each, with Lambda's pauses between — well inside an hour. */
const BEFORE_INDEXING_BUDGET_MS = HOUR_MS;
/** Indexing: every step of every chunk moves the job on; one chunk's three deliveries take at most 3 × 15 min. Six hours without any is stuck. */
const INDEXING_BUDGET_MS = 6 * HOUR_MS;

/**
 * The daily sweep's net under every other path: a job that made no progress for longer than its budget
 * (a lost event, a dead-letter message that was never handled, a process killed between two writes) fails
 * with its code and gives back what it held. Returns how many it failed.
 */
export async function failStalledJobs(): Promise<number> {
  const at = nowMs();
  let failed = 0;
  for (const candidate of await scanStalledJobs(new Date(at - BEFORE_INDEXING_BUDGET_MS).toISOString())) {
    const job = await getJobRecord(candidate.account_id, candidate.job_id);
    if (!job || Date.parse(job.updated_at) > at - budgetOf(job)) continue;
    logWarn('stalled job found by the daily sweep', { job_id: job.job_id, status: job.status, stage: job.stage, updated_at: job.updated_at });
    if (!(await failStalled(job))) continue;
    failed += 1;
    metrics.recordJobFinished('failed');
  }
  return failed;
}

function budgetOf(job: JobRecord): number {
  return job.status === 'queued' ? BEFORE_INDEXING_BUDGET_MS : INDEXING_BUDGET_MS;
}

async function failStalled(job: JobRecord): Promise<boolean> {
  if (job.status !== 'queued') return failStalledIndexing(job.account_id, job.video_id, job.job_id, `no progress since ${job.updated_at}`);
  if (job.stage !== 'fetching') return failStrandedIngest(job.account_id, job.video_id);
  const video = await getVideoRecord(job.account_id, job.video_id);
  return video ? failStrandedFetch(job.account_id, video.upload_id) : false;
}
