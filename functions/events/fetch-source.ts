import type { FetchSourceTask } from '#lib/uploads/url-ingest';
import { fetchSourceIntoStorage } from '#lib/uploads/url-ingest';

/** Invoked asynchronously by POST /v1/uploads with a source_url; idempotent, so Lambda's retries are safe. */
export async function handler(task: FetchSourceTask): Promise<void> {
  await fetchSourceIntoStorage(task.account_id, task.upload_id);
}
