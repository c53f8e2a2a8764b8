import { announceEvent } from '#lib/db/events';
import { now } from '#lib/clock';
import { logInfo, logWarn } from '#lib/log';
import { JobFailedError } from '#lib/errors';
import { metrics } from '#lib/metrics';
import { MAX_VIDEO_BYTES, type Container } from '#lib/media/formats';
import { familyOf, sniffContainer, SNIFF_BYTES } from '#lib/media/sniff';
import { probeMedia, ProbeFailedError } from '#lib/media/probe';
import { parseSourceKey, videoPrefix } from '#lib/storage/layout';
import { deletePrefix, presignGet, readHead, storedSize } from '#lib/storage/objects';
import { endUpload, getUploadRecord } from '#lib/db/uploads';
import { claimVideoForIngest, getVideoRecord, recordIngestFailure, recordIngested, type VideoRecord } from '#lib/db/videos';
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
  if (!video || video.status === 'deleting' || video.source_key !== key) {
    // Bytes for a video that was deleted or abandoned meanwhile: nothing may keep them.
    await deletePrefix(videoPrefix(ids.accountId, ids.videoId));
    return;
  }
  if (!(await claimVideoForIngest(video, now().toISOString()))) {
    await resumeEnqueueIfNeeded(video);
    return;
  }
  const upload = await getUploadRecord(video.account_id, video.upload_id);
  if (upload) await endUpload(upload, 'complete');

  try {
    const facts = await inspect(video);
    await remakeReservation(video, facts.durationSecs);
    const chunksTotal = chunkCount(facts.durationSecs);
    await recordIngested(
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
      },
      now().toISOString(),
    );
    await enqueueChunks(video, facts.durationSecs);
    await markChunksEnqueued(video.account_id, video.job_id, now().toISOString());
    logInfo('ingest: accepted', { video_id: video.video_id, job_id: video.job_id, chunks: chunksTotal });
  } catch (error) {
    if (!(error instanceof JobFailedError)) throw error;
    await deletePrefix(videoPrefix(video.account_id, video.video_id));
    await releaseIndexingReservation(video);
    const failedEventId = await recordIngestFailure({ ...video, status: 'processing' }, { code: error.code, message: error.message }, now().toISOString());
    if (failedEventId) announceEvent(video.account_id, failedEventId);
    if (failedEventId) metrics.recordJobFinished('failed');
    logInfo('ingest: refused', { video_id: video.video_id, job_id: video.job_id, code: error.code });
  }
}

interface Inspected {
  sizeBytes: number;
  durationSecs: number;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  hasAudio: boolean;
}

async function inspect(video: VideoRecord): Promise<Inspected> {
  const sizeBytes = await storedSize(video.source_key);
  if (sizeBytes === undefined) throw new JobFailedError('UNSUPPORTED_FORMAT', 'The uploaded file disappeared before it could be checked');
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
