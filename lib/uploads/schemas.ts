import * as z from 'zod';

/** A `%` not followed by two hex digits: the URL cannot be decoded (RFC 3986 §2.1). */
const MALFORMED_ESCAPE = /%(?![0-9a-f]{2})/i;

/** An http(s) URL a customer gives us, whole enough that its path decodes. */
const httpUrl = (message?: string) =>
  z
    .url({ protocol: /^https?$/, ...(message ? { error: message } : {}) })
    .max(2048)
    .refine((url) => !MALFORMED_ESCAPE.test(url), { message: 'has a malformed %-escape (a % must be followed by two hex digits)' });

const webhookUrl = httpUrl().optional();

const presignedUploadBody = z.strictObject({
  collection_id: z.string().min(1).max(64),
  filename: z.string().trim().min(1).max(255),
  /** Any positive integer validates here; the 5 GB maximum is a media limit (errors.md step 8). */
  size_bytes: z.number().int().positive(),
  content_type: z.string().min(1).max(255),
  /** The file's SHA-256 in hex: a video of the account with the same one is named in meta.duplicate_of. */
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (the SHA-256 of the file)')
    .transform((hex) => hex.toLowerCase())
    .optional(),
  webhook_url: webhookUrl,
});

const urlUploadBody = z.strictObject({
  collection_id: z.string().min(1).max(64),
  source_url: httpUrl('must be an http or https URL'),
  filename: z.string().trim().min(1).max(255).optional(),
  webhook_url: webhookUrl,
});

/** An upload of bytes the client sends (presigned), or of a public URL Frameseek fetches. */
export const createUploadBody = z.union([presignedUploadBody, urlUploadBody]);

export const uploadParams = z.strictObject({ upload_id: z.string().min(1).max(64) });

export const completeUploadBody = z.strictObject({
  parts: z
    .array(z.strictObject({ part_number: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }))
    .max(10_000)
    .optional(),
});

const partUrl = z.object({ part_number: z.number().int(), url: z.string() });

export const uploadTicket = z.object({
  upload_id: z.string(),
  video_id: z.string(),
  job_id: z.string(),
  expires_at: z.string(),
  method: z.literal('PUT'),
  url: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  multipart: z.object({ part_size: z.number().int(), parts: z.array(partUrl) }).optional(),
});

export const uploadState = z.object({
  upload_id: z.string(),
  video_id: z.string(),
  job_id: z.string(),
  status: z.enum(['awaiting_bytes', 'complete', 'aborted', 'expired']),
  expires_at: z.string(),
  parts_received: z.array(z.number().int()).optional(),
  multipart: z.object({ part_size: z.number().int(), parts: z.array(partUrl) }).optional(),
});

export const queuedJob = z.object({ job_id: z.string(), video_id: z.string(), status: z.literal('queued') });

export const queuedUrlUpload = queuedJob.extend({ upload_id: z.string() });

/** The compatibility route's cap: what fits Lambda's 6 MB payload after base64. */
export const DIRECT_UPLOAD_MAX_BYTES = 4 * 1024 * 1024;

/** POST /v1/upload form fields (the file itself is the `file` part). */
export const directUploadFields = z.strictObject({
  collection_id: z.string().min(1).max(64),
  webhook_url: webhookUrl,
});
