import { logInfo } from '#lib/log';
import { expireStaleUploads } from '#lib/uploads/uploads';
import { resumeCollectionDeletes } from '#lib/collections/collections';
import { expireTrialCredits } from '#lib/billing/trial';
import { resumeAccountDeletions } from '#lib/accounts/deletion';

export interface DailyReport {
  expired_uploads: number;
  finished_collection_deletes: number;
  expired_trials: number;
  finished_account_deletions: number;
}

/**
 * The daily run at 00:00 UTC (plans.md, Scheduled work). Every step is idempotent, so a late or
 * repeated run changes nothing twice. Later steps (quota reset, storage accrual) join this list.
 */
export async function runDailyMaintenance(): Promise<DailyReport> {
  const report = {
    expired_uploads: await expireStaleUploads(),
    finished_collection_deletes: await resumeCollectionDeletes(),
    expired_trials: await expireTrialCredits(),
    finished_account_deletions: await resumeAccountDeletions(),
  };
  logInfo('daily maintenance done', { ...report });
  return report;
}
