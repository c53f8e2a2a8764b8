import { newId } from '#lib/ids';
import { plansTable } from '#lib/plans';
import { changeBalance, plannedDebit, plannedRefund } from '#lib/billing/ledger';
import { AppError } from '#lib/errors';
import { holdChange, readHold, trialPartOf } from '#lib/db/holds';
import { storageLimitError, type UploadRecord } from '#lib/db/uploads';
import { uploadCreationItems } from '#lib/db/upload-creation';
import { announceEvent } from '#lib/db/events';
import type { VideoRecord } from '#lib/db/videos';
import type { JobRecord } from '#lib/db/jobs';

/**
 * What indexing costs and how it is held (plans.md, Prices): an estimate is reserved when an upload
 * is created, re-made from the probed duration at ingest, settled when indexing completes, and
 * released when the video fails, is aborted, expires or is deleted before that. A hold remembers how
 * much of it trial credit paid; what it gives back of that returns as trial credit (see plannedRefund).
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

export interface NewUpload {
  upload: UploadRecord;
  video: VideoRecord;
  job: JobRecord;
  storageLimitBytes: number;
}

/**
 * Steps 9 and 10 of an upload and its creation, as one transaction: the storage reserved under the
 * plan's limit (PLAN_LIMIT_EXCEEDED), the indexing estimate held (INSUFFICIENT_CREDITS), and the
 * video, its job and the upload session written — all of it or none, so no crash can leave a hold
 * without the video that releases it. COLLECTION_NOT_FOUND when the collection went meanwhile.
 */
export async function createUploadWithHold(created: NewUpload, holdMicros: number): Promise<void> {
  const { upload, video, job, storageLimitBytes } = created;
  const createdEventId = newId('event');
  const entry = await changeBalance(upload.account_id, (account) => {
    const usedBytes = account.storage_bytes ?? 0;
    if (usedBytes + upload.size_bytes > storageLimitBytes) throw storageLimitError(storageLimitBytes, usedBytes);
    const hold = plannedDebit(account, holdMicros, 'indexing', `Indexing reserved for ${video.video_id} (estimate)`);
    const heldVideo = { ...video, reserved_indexing_micros: holdMicros, reserved_trial_micros: hold.trialFundedMicros };
    return {
      ...hold,
      account: { storage: { deltaBytes: upload.size_bytes, limitBytes: storageLimitBytes }, listed: { videos: 1, jobs: 1 } },
      alongside: uploadCreationItems(upload, heldVideo, job, createdEventId),
    };
  });
  if (!entry) throw new AppError('COLLECTION_NOT_FOUND');
  announceEvent(upload.account_id, createdEventId);
}

type HeldVideo = Pick<VideoRecord, 'account_id' | 'video_id' | 'reserved_indexing_micros'>;

/**
 * Moves a video's hold to `targetMicros` (taking more or giving some back) together with the
 * video's record. INSUFFICIENT_CREDITS when more is needed than the balance holds. What it gives
 * back is paid credit first: spending takes trial credit first, so what stays spent is trial credit.
 */
export async function moveIndexingReservation(video: HeldVideo, targetMicros: number): Promise<void> {
  const held = video.reserved_indexing_micros;
  const delta = targetMicros - held;
  if (delta === 0) return;
  const stored = await readHold(video);
  if (!stored) return;
  const from = { micros: held, trialMicros: stored.trialMicros };
  const trialHeld = trialPartOf(held, stored.trialMicros);
  await changeBalance(video.account_id, (account) => {
    if (delta > 0) {
      const more = plannedDebit(account, delta, 'indexing', `Indexing reserved for ${video.video_id} (probed duration)`);
      return { ...more, alongside: [holdChange(video, from, { micros: targetMicros, trialMicros: trialHeld + more.trialFundedMicros })] };
    }
    const trialBack = Math.max(0, -delta - (held - trialHeld));
    return {
      ...plannedRefund(account, -delta, trialBack, `Indexing reservation adjusted for ${video.video_id}`),
      alongside: [holdChange(video, from, { micros: targetMicros, trialMicros: trialHeld - trialBack })],
    };
  });
}

/** Gives the whole hold back (failure, abort, expiry, delete before indexing finished). Safe to repeat. */
export async function releaseIndexingReservation(video: HeldVideo): Promise<void> {
  const held = video.reserved_indexing_micros ?? 0;
  if (held <= 0) return;
  const stored = await readHold(video);
  if (!stored) return;
  await changeBalance(video.account_id, (account) => ({
    ...plannedRefund(account, held, trialPartOf(held, stored.trialMicros), `Indexing reservation released for ${video.video_id}`),
    alongside: [holdChange(video, { micros: held, trialMicros: stored.trialMicros }, { micros: 0, trialMicros: 0 })],
  }));
}

export function insufficientForIndexing(error: unknown): error is AppError {
  return error instanceof AppError && error.code === 'INSUFFICIENT_CREDITS';
}
