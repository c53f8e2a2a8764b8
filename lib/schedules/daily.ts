import { logInfo } from '#lib/log';
import { expireStaleUploads } from '#lib/uploads/uploads';
import { resumeCollectionDeletes } from '#lib/collections/collections';
import { expireTrialCredits } from '#lib/billing/trial';
import { resumeAccountDeletions } from '#lib/accounts/deletion';
import { accrueStorageCharges } from '#lib/billing/storage-accrual';
import { retryStaleAutoTopUps } from '#lib/billing/auto-topup';
import { failStalledJobs } from '#lib/schedules/stalled-jobs';

export interface DailyReport {
  storage_days_charged: number;
  expired_uploads: number;
  finished_collection_deletes: number;
  expired_trials: number;
  finished_account_deletions: number;
  retried_auto_topups: number;
  failed_stalled_jobs: number;
}

/**
 * The daily run at 00:00 UTC (plans.md, Scheduled work). Every step is idempotent, so a late or
 * repeated run changes nothing twice. Free search quotas need no step: their counters are keyed by
 * UTC day (a new day counts afresh however late this runs) and expire by TTL. Storage is accrued
 * first, for the day that just ended as it ended, before this run's sweeps change it.
 */
export async function runDailyMaintenance(): Promise<DailyReport> {
  const report = {
    storage_days_charged: await accrueStorageCharges(),
    expired_uploads: await expireStaleUploads(),
    finished_collection_deletes: await resumeCollectionDeletes(),
    expired_trials: await expireTrialCredits(),
    finished_account_deletions: await resumeAccountDeletions(),
    retried_auto_topups: await retryStaleAutoTopUps(),
    failed_stalled_jobs: await failStalledJobs(),
  };
  logInfo('daily maintenance done', { ...report });
  return report;
}
