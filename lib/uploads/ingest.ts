import { announceEvent } from '#lib/db/events';
import { now } from '#lib/clock';
import { logInfo, logWarn } from '#lib/log';
import { throwIfArmed } from '#lib/faults';
import { JobFailedError } from '#lib/errors';
import { metrics } from '#lib/metrics';
import { MAX_VIDEO_BYTES, type Container } from '#lib/media/formats';
import { familyOf, sniffContainer, SNIFF_BYTES } from '#lib/media/sniff';
import { probeMedia, ProbeFailedError } from '#lib/media/probe';
import { checkedKeyOf, parseSourceKey, videoPrefix } from '#lib/storage/layout';
import { copyVersion, deleteObject, deletePrefix, presignGet, readHead, storedVersion } from '#lib/storage/objects';
import { endUpload, getUploadRecord } from '#lib/db/uploads';
import {
  claimVideoForIngest,
  getVideoRecord,
  recordIngestFailure,
  recordIngested,
  releaseIngestClaim,
  retakeIngestClaim,
  type VideoRecord,
} from '#lib/db/videos';
import { getJobRecord, markChunksEnqueued } from '#lib/db/jobs';
import { chunkCount, enqueueChunks } from '#lib/indexing/queue';
import { indexingPriceMicros, insufficientForIndexing, moveIndexingReservation, releaseIndexingReservation } from '#lib/billing/metering';

const PROBE_URL_SECS = 15 * 60;

/**
 * Runs on every object-created event. Whatever the client declared, the stored bytes are checked
 * again: real size, magic numbers, then a probe of container and streams. A refused file fails its
 * job with a code, loses its object and its storage reservation. A repeated event changes nothing.
 */
export async function ingestStoredObject(key: string): Promise<void> {
  const ids = parseSourceKey(key);
  if (!ids) {
    // Staging objects and thumbnails live beside sources; anything else in the bucket is worth a look.
    if (!key.startsWith('videos/')) logWarn('ingest: object outside the media layout ignored', { key });
    return;
  }
  const video = await getVideoRecord(ids.accountId, ids.videoId);
  if (!video || video.status === 'deleting') {
    // Bytes for a video that was deleted or abandoned meanwhile: nothing may keep them.
    await deletePrefix(videoPrefix(ids.accountId, ids.videoId));
    return;
  }
  if (video.source_key !== key) {
    // Bytes the video does not read: a second PUT to its upload URL after ingest moved the checked bytes
    // away, or a key it never used. That object alone goes; what the video reads is never touched.
    await deleteObject(key);
    logWarn('ingest: bytes outside what the video reads removed', { key, video_id: video.video_id });
    // A repeat of the event that was ingested: finish what its first delivery may have left undone.
    if (video.source_key === checkedKeyOf(key)) await resumeEnqueueIfNeeded(video);
    return;
  }
  const at = now().toISOString();
  if (!(await claimVideoForIngest(video, at)) && !(await retakeIngestClaim(video, at))) {
    await resumeEnqueueIfNeeded(video);
    return;
  }
  // Read again: a retaken claim re-enters where the last try left off (its hold may have moved meanwhile).
  const claimed = (await getVideoRecord(video.account_id, video.video_id)) ?? video;
  try {
    await checkClaimed(claimed);
  } catch (error) {
    // Handed back, so the retry of this event takes the claim again instead of finding it held for good.
    await releaseIngestClaim(claimed, now().toISOString());
    throw error;
  }
}

async function checkClaimed(video: VideoRecord): Promise<void> {
  const upload = await getUploadRecord(video.account_id, video.upload_id);
  if (upload) await endUpload(upload, 'complete');
  throwIfArmed('ingest_interrupted', video.video_id);

  try {
    const facts = await inspect(video);
    await remakeReservation(video, facts.durationSecs);
    const chunksTotal = chunkCount(facts.durationSecs);
    // The very version checked is copied where no upload URL points (S3 refuses the copy if the upload key
    // changed since: the retry checks the new bytes); the URL's key is emptied once the video reads the copy.
    const checked = checkedKeyOf(video.source_key);
    await copyVersion(video.source_key, facts.etag, checked, video.mime_type);
    const recorded = await recordIngested(
      { ...video, status: 'processing' },
      {
        file_size_bytes: facts.sizeBytes,
        duration_secs: facts.durationSecs,
        width: facts.width,
        height: facts.height,
        fps: facts.fps,
        codec: facts.codec,
        has_audio: facts.hasAudio,
        mime_type: video.mime_type,
        chunks_total: chunksTotal,
        source_key: checked,
      },
      now().toISOString(),
    );
    if (!recorded) return;
    await deleteObject(video.source_key);
    await enqueueChunks(video, facts.durationSecs);
    await markChunksEnqueued(video.account_id, video.job_id, now().toISOString());
    logInfo('ingest: accepted', { video_id: video.video_id, job_id: video.job_id, chunks: chunksTotal });
  } catch (error) {
    if (!(error instanceof JobFailedError)) throw error;
    await refuseIngest(video, error);
  }
}

/** The job fails with its code; the object, the credit hold and the storage it held are given back. */
async function refuseIngest(video: VideoRecord, error: JobFailedError): Promise<void> {
  await deletePrefix(videoPrefix(video.account_id, video.video_id));
  await releaseIndexingReservation(video);
  const failedEventId = await recordIngestFailure({ ...video, status: 'processing' }, { code: error.code, message: error.message }, now().toISOString());
  if (failedEventId) announceEvent(video.account_id, failedEventId);
  if (failedEventId) metrics.recordJobFinished('failed');
  logInfo('ingest: refused', { video_id: video.video_id, job_id: video.job_id, code: error.code });
}

/**
 * The last try of an ingest failed (its event reached the dead-letter queue, or the daily sweep found
 * its job stalled): a video still in ingest fails with INDEXING_FAILED and releases what it holds.
 * A video that got past ingest, or never was claimed, is left to its own path. Safe to repeat.
 */
export async function failStrandedIngest(accountId: string, videoId: string): Promise<boolean> {
  const video = await getVideoRecord(accountId, videoId);
  const job = video ? await getJobRecord(accountId, video.job_id) : undefined;
  if (video?.status !== 'processing' || job?.status !== 'queued') return false;
  logWarn('ingest: given up after repeated failures', { video_id: videoId, job_id: video.job_id });
  await refuseIngest(
    video,
    new JobFailedError(
      'INDEXING_FAILED',
      'Checking the uploaded file failed at the probing stage after repeated attempts; nothing was charged and the file can be uploaded again',
    ),
  );
  return true;
}

/** An object-created event that could not be handled: the ingest of each video it names is given up. */
export async function failStrandedIngestOfKey(key: string): Promise<boolean> {
  const ids = parseSourceKey(key);
  return ids ? failStrandedIngest(ids.accountId, ids.videoId) : false;
}

interface Inspected {
  sizeBytes: number;
  /** The version checked: what ingest copies, and only that. */
  etag: string;
  durationSecs: number;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  hasAudio: boolean;
}

async function inspect(video: VideoRecord): Promise<Inspected> {
  const stored = await storedVersion(video.source_key);
  if (stored === undefined) throw new JobFailedError('UNSUPPORTED_FORMAT', 'The uploaded file disappeared before it could be checked');
  const { sizeBytes, etag } = stored;
  if (sizeBytes === 0) throw new JobFailedError('UNSUPPORTED_FORMAT', 'The uploaded file is empty');
  if (sizeBytes > video.declared_size_bytes || sizeBytes > MAX_VIDEO_BYTES) {
    throw new JobFailedError(
      'UPLOAD_TOO_LARGE',
      `The stored file is ${sizeBytes} bytes, more than the ${Math.min(video.declared_size_bytes, MAX_VIDEO_BYTES)} declared or allowed`,
    );
  }

  const family = sniffContainer(await readHead(video.source_key, SNIFF_BYTES));
  const declared = familyOf(video.container as Container);
  if (family === 'unknown')
    throw new JobFailedError('UNSUPPORTED_FORMAT', `The file's bytes are not a ${video.container.toUpperCase()} video (or any format we support)`);
  if (family !== declared)
    throw new JobFailedError('UNSUPPORTED_FORMAT', `The file's bytes are a different format than its declared ${video.container.toUpperCase()}`);

  let probe;
  try {
    probe = await probeMedia(await presignGet(video.source_key, PROBE_URL_SECS));
  } catch (error) {
    if (error instanceof ProbeFailedError)
      throw new JobFailedError('UNSUPPORTED_FORMAT', 'The file could not be read as a video: it may be truncated or damaged');
    throw error;
  }
  if (!probe.hasVideo) throw new JobFailedError('UNSUPPORTED_FORMAT', 'The file has no video stream');
  if (probe.durationSecs <= 0) throw new JobFailedError('UNSUPPORTED_FORMAT', 'The video has no duration: it may be truncated or damaged');
  return {
    sizeBytes,
    etag,
    durationSecs: probe.durationSecs,
    width: probe.width,
    height: probe.height,
    fps: probe.fps,
    codec: probe.codec,
    hasAudio: probe.hasAudio,
  };
}

/** plans.md: at ingest the reservation is re-made from the probed duration; a balance that cannot cover it fails the job. */
async function remakeReservation(video: VideoRecord, durationSecs: number): Promise<void> {
  try {
    await moveIndexingReservation(video, indexingPriceMicros(durationSecs));
  } catch (error) {
    if (insufficientForIndexing(error)) throw new JobFailedError('INSUFFICIENT_CREDITS', `${error.message} (indexing this ${Math.ceil(durationSecs)} s video)`);
    throw error;
  }
}

/** A repeat of an event whose first delivery stopped between recording and enqueueing. */
async function resumeEnqueueIfNeeded(video: VideoRecord): Promise<void> {
  const job = await getJobRecord(video.account_id, video.job_id);
  if (job?.status === 'pending' && !job.chunks_enqueued && video.duration_secs !== null) {
    await enqueueChunks(video, video.duration_secs);
    await markChunksEnqueued(video.account_id, video.job_id, now().toISOString());
  }
}
