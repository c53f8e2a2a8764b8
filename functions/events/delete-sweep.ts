import { runDeleteSweep, type DeleteSweepTask } from '#lib/accounts/deletion';

/** Invoked asynchronously by DELETE /v1/collections/{id} and DELETE /v1/account; resumable, so Lambda's retries are safe. */
export async function handler(task: DeleteSweepTask): Promise<void> {
  await runDeleteSweep(task);
}
