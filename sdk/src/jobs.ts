import { type FrameseekApi, unwrap } from './client.ts';
import type { paths } from './generated/openapi.ts';

export type Job = paths['/v1/jobs/{job_id}']['get']['responses'][200]['content']['application/json']['data'];

const FINISHED: ReadonlySet<Job['status']> = new Set(['done', 'failed']);

export interface WaitForJobOptions {
  /** Told each time the job is read (status, stage, progress_pct). */
  onUpdate?: (job: Job) => void;
  /** Between reads (default 1 s). Rate limits are handled by the client's retries. */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Reads the job until it is `done` or `failed` and returns it (a failed job is an answer, not an exception). */
export async function waitForJob(client: FrameseekApi, jobId: string, options: WaitForJobOptions = {}): Promise<Job> {
  for (;;) {
    options.signal?.throwIfAborted();
    const { data: job } = await unwrap(client.GET('/v1/jobs/{job_id}', { params: { path: { job_id: jobId } }, signal: options.signal }));
    options.onUpdate?.(job);
    if (FINISHED.has(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1000));
  }
}
