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
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  error_code: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
