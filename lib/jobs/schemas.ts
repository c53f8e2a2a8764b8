import * as z from 'zod';
import { listQuery, refusePageDepth, statusList } from '#lib/pagination';

export const JOB_STATUSES = ['queued', 'pending', 'processing', 'done', 'failed'] as const;

export const listJobsQuery = z
  .strictObject({
    collection_id: z.string().min(1).max(64).optional(),
    status: statusList(JOB_STATUSES).optional(),
    ...listQuery(),
  })
  .superRefine(refusePageDepth);

export const jobParams = z.strictObject({ job_id: z.string().min(1).max(64) });

export const jobView = z.object({
  id: z.string(),
  job_id: z.string(),
  user_id: z.string(),
  video_id: z.string(),
  collection_id: z.string(),
  status: z.enum(JOB_STATUSES),
  stage: z.string(),
  progress_pct: z.number().int(),
  error: z.string().nullable().describe("Why the job failed: the error's message (PureFrame's shape); null unless failed"),
  error_code: z.string().nullable().describe("The failed job's error code (errors.md, job error codes); null unless failed"),
  created_at: z.string(),
  updated_at: z.string(),
});
