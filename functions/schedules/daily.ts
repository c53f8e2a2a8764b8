import { runDailyMaintenance, type DailyReport } from '#lib/schedules/daily';

/** EventBridge schedule (cron 0 0 * * ? *) in AWS; the local runtime's scheduler runs the same handler. */
export async function handler(): Promise<DailyReport> {
  return runDailyMaintenance();
}
