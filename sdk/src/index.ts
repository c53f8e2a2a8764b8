/** @frameseek/sdk: a thin typed client of the Frameseek video search API. */
export { createFrameseek, unwrap, succeed, idempotent, newIdempotencyKey, type FrameseekApi, type FrameseekOptions, type Outcome } from './client.ts';
export { FrameseekError } from './errors.ts';
export { retryingFetch, retryAfterMs, type RetryOptions } from './retry.ts';
export { pages, items, type Page } from './pagination.ts';
export { formData } from './form.ts';
export { uploadVideo, type UploadIds, type UploadProgress, type UploadVideoOptions } from './upload.ts';
export { waitForJob, type Job, type WaitForJobOptions } from './jobs.ts';
export { verifyWebhook, WebhookSignatureError, SIGNATURE_HEADER, type WebhookEvent, type VerifyOptions } from './webhooks.ts';
export type { paths, components, operations } from './generated/openapi.ts';
