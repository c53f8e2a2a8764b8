import * as z from 'zod';
import { listQuery, refusePageDepth, statusList } from '#lib/pagination';

export const VIDEO_STATUSES = ['uploading', 'processing', 'ready', 'failed'] as const;

export const listVideosQuery = z
  .strictObject({
    collection_id: z.string().min(1).max(64).optional(),
    // PureFrame names a finished video `done`, as our jobs do; our videos say `ready`.
    status: statusList(VIDEO_STATUSES, { done: 'ready' }).optional(),
    ...listQuery(),
  })
  .superRefine(refusePageDepth);

export const videoParams = z.strictObject({ video_id: z.string().min(1).max(64) });

const videoListItem = z.object({
  id: z.string(),
  filename: z.string(),
  collection_id: z.string(),
  status: z.enum([...VIDEO_STATUSES, 'deleting']),
  duration_secs: z.number().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  fps: z.number().nullable(),
  codec: z.string().nullable(),
  mime_type: z.string(),
  file_size_bytes: z.number().int().nullable(),
  progress_pct: z.number().int(),
  thumbnail_url: z.string().optional(),
  job_id: z.string(),
  error: z.string().nullable(),
  error_code: z.string().nullable(),
  created_at: z.string(),
});

export const videoList = z.array(videoListItem);
export const videoDetail = videoListItem.extend({
  playback_url: z.string().nullable(),
  segments_count: z.number().int(),
  models: z.object({ embedder: z.string().nullable(), transcriber: z.string().nullable(), text_reader: z.string().nullable() }),
});

export const transcriptQuery = z.strictObject({
  include: z.enum(['ocr']).optional(),
  format: z.enum(['json', 'vtt', 'srt']).default('json'),
});

export const transcriptItems = z.array(z.object({ start: z.number(), end: z.number(), text: z.string(), type: z.enum(['speech', 'ocr']) }));

export const momentQuery = z.strictObject({
  timestamp: z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 3600),
});

export const momentView = z.object({
  timestamp: z.number(),
  thumbnail_url: z.string().nullable(),
  transcript: z.string().nullable(),
  ocr_text: z.string().nullable(),
  labels: z.array(z.string()),
});
