import { plansTable } from '#lib/billing/plans';
import { changeBalance, credit, debit, plannedDebit } from '#lib/billing/ledger';
import { AppError } from '#lib/errors';
import { reservationChange, type VideoRecord } from '#lib/db/videos';

/**
 * What indexing costs and how it is held (plans.md, Prices): an estimate is reserved when an upload
 * is created, re-made from the probed duration at ingest, settled when indexing completes, and
 * released when the video fails, is aborted, expires or is deleted before that.
 */

/** Before the bytes exist: one minute per 10 MB declared, at least one minute. */
export function indexingEstimateMicros(declaredBytes: number): number {
  const { estimate_bytes_per_minute: bytesPerMinute, indexing_micros_per_minute: perMinute } = plansTable.prices;
  return Math.max(1, Math.ceil(declaredBytes / bytesPerMinute)) * perMinute;
}

/** The exact price: per started second, rounded up to a whole micro-dollar. */
export function indexingPriceMicros(durationSecs: number): number {
  return Math.ceil((Math.ceil(durationSecs) * plansTable.prices.indexing_micros_per_minute) / 60);
}

/** Step 10 of an upload: holds the estimate, or INSUFFICIENT_CREDITS before any URL is issued. */
export async function reserveIndexing(accountId: string, videoId: string, micros: number): Promise<void> {
  await debit(accountId, micros, 'indexing', `Indexing reserved for ${videoId} (estimate)`);
}

/** Gives back a hold whose video was never created (the upload's transaction failed after the debit). */
export async function returnUnusedReservation(accountId: string, videoId: string, micros: number): Promise<void> {
  await credit(accountId, micros, 'refund', `Indexing reservation returned for ${videoId} (upload not created)`);
}

/**
 * Moves a video's hold to `targetMicros` (taking more or giving some back) together with the
 * video's record. INSUFFICIENT_CREDITS when more is needed than the balance holds.
 */
export async function moveIndexingReservation(
  video: Pick<VideoRecord, 'account_id' | 'video_id' | 'reserved_indexing_micros'>,
  targetMicros: number,
): Promise<void> {
  const held = video.reserved_indexing_micros;
  const delta = targetMicros - held;
  if (delta === 0) return;
  const alongside = [reservationChange(video, held, targetMicros)];
  await changeBalance(video.account_id, (account) =>
    delta > 0
      ? { ...plannedDebit(account, delta, 'indexing', `Indexing reserved for ${video.video_id} (probed duration)`), alongside }
      : { type: 'refund', amountMicros: -delta, description: `Indexing reservation adjusted for ${video.video_id}`, trial: { kind: 'unchanged' }, alongside },
  );
}

/** Gives the whole hold back (failure, abort, expiry, delete before indexing finished). Safe to repeat. */
export async function releaseIndexingReservation(video: Pick<VideoRecord, 'account_id' | 'video_id' | 'reserved_indexing_micros'>): Promise<void> {
  const held = video.reserved_indexing_micros ?? 0;
  if (held <= 0) return;
  await changeBalance(video.account_id, () => ({
    type: 'refund',
    amountMicros: held,
    description: `Indexing reservation released for ${video.video_id}`,
    trial: { kind: 'unchanged' },
    alongside: [reservationChange(video, held, 0)],
  }));
}

export function insufficientForIndexing(error: unknown): error is AppError {
  return error instanceof AppError && error.code === 'INSUFFICIENT_CREDITS';
}
