import { now } from '#lib/clock';
import { newId } from '#lib/ids';
import { metrics } from '#lib/metrics';
import { logInfo, logWarn } from '#lib/log';
import { configuredEngines, type Engines } from '#lib/ml/engines';
import { searchIndex } from '#lib/search/index';
import { computeFrameMap } from '#lib/search/framemap';
import { deletePrefix, presignGet, readObject, putObject } from '#lib/storage/objects';
import { stagedChunkKey, stagingPrefix, thumbnailKey, videoPrefix } from '#lib/storage/layout';
import { getVideoRecord, refreshCollectionThumbnails, type VideoRecord } from '#lib/db/videos';
import { getJobRecord, type JobRecord } from '#lib/db/jobs';
import { markIndexChanged } from '#lib/db/accounts';
import { announceEvent } from '#lib/db/events';
import { chunkIsDone, recordChunkDone, recordJobDone, recordJobFailed, recordStepDone, type IndexModels } from '#lib/db/indexing';
import { releaseIndexingReservation } from '#lib/billing/metering';
import { CHUNK_STEPS, inStage, processChunk, StageFailedError, type ChunkIo, type IndexStage } from '#lib/indexing/chunk';
import { segmentRows, type StagedChunk } from '#lib/indexing/segments';
import type { IndexChunkMessage, IndexQueueMessage } from '#lib/indexing/queue';

/**
 * The index worker's one entry: a chunk message, delivered at least once, maybe out of order.
 * A chunk whose job is gone, finished or failed is dropped; a chunk already counted is not
 * redone; the chunk that completes the set finalises the job. A throw asks the queue to deliver
 * again; on the last delivery the job fails instead, naming the stage, and nothing of it is
 * visible to search (rows only reach the index in the finalising commit).
 */
export interface Delivery {
  /** 1 for the first delivery. */
  attempt: number;
  /** No further delivery follows this one: fail the job rather than throw. */
  isLast: boolean;
}

export async function handleIndexMessage(message: IndexQueueMessage, delivery: Delivery): Promise<void> {
  if (message.kind === 'purge') {
    // Deletes already hid these rows (search reads video records); this frees the space.
    if (message.video_id) await searchIndex().deleteVideo(message.account_id, message.video_id);
    else await searchIndex().deleteAccount(message.account_id);
    return;
  }
  if (message.kind === 'framemap') {
    await computeFrameMap(message, delivery);
    return;
  }
  if (message.kind === 'maintain') {
    const tables = await searchIndex().optimize();
    logInfo('index: maintained', { tables });
    return;
  }
  await indexChunk(message, delivery);
}

async function indexChunk(message: IndexChunkMessage, delivery: Delivery): Promise<void> {
  const [video, job] = await Promise.all([getVideoRecord(message.account_id, message.video_id), getJobRecord(message.account_id, message.job_id)]);
  if (!video || !job || !isCurrent(video, job)) {
    logInfo('index: stale chunk dropped', { job_id: message.job_id, chunk: message.chunk_index });
    return;
  }
  try {
    if (!chunkIsDone(job, message.chunk_index)) await runChunk(message, video, job);
    if (await deletedMeanwhile(video)) return;
    const chunksDone = await recordChunkDone(job, message.chunk_index, now().toISOString());
    if (chunksDone >= job.chunks_total) await finalise(video, job);
  } catch (error) {
    if (!delivery.isLast) throw error;
    await failJob(video, job, error);
  }
}

/**
 * A video deleted while one of its chunks ran: the delete's sweep may already have removed its
 * objects, and the thumbnails this chunk wrote since would be left behind. They go now.
 */
async function deletedMeanwhile(video: VideoRecord): Promise<boolean> {
  const latest = await getVideoRecord(video.account_id, video.video_id);
  if (latest && latest.status !== 'deleting') return false;
  await deletePrefix(videoPrefix(video.account_id, video.video_id));
  logInfo('index: video deleted while indexing; its chunk output removed', { video_id: video.video_id });
  return true;
}

function isCurrent(video: VideoRecord, job: JobRecord): boolean {
  return video.job_id === job.job_id && video.status !== 'deleting' && video.status !== 'failed' && (job.status === 'pending' || job.status === 'processing');
}

async function runChunk(message: IndexChunkMessage, video: VideoRecord, job: JobRecord): Promise<void> {
  const totalSteps = job.chunks_total * CHUNK_STEPS.length;
  const staged = await processChunk(message, storageChunkIo(video), configuredEngines(), {
    reportStep: (stage) => recordStepDone(job, `${message.chunk_index}:${stage}`, stage, totalSteps, now().toISOString()),
  });
  // A redelivered chunk overwrites the same object: staging is idempotent by key.
  await inStage('indexing', () =>
    putObject(stagedChunkKey(video.account_id, video.video_id, job.job_id, message.chunk_index), Buffer.from(JSON.stringify(staged)), 'application/json'),
  );
}

/** A counted chunk whose staged rows are gone: a twin delivery finalised the job and cleaned up first. */
class StagingGoneError extends Error {
  constructor(chunkIndex: number) {
    super(`chunk ${chunkIndex} is counted but its staged rows are gone`);
  }
}

/** Every chunk is staged: the video's rows replace its old ones in one commit, then the job is done. */
async function finalise(video: VideoRecord, job: JobRecord): Promise<void> {
  try {
    await finaliseOnce(video, job);
  } catch (error) {
    const latest = await getJobRecord(job.account_id, job.job_id);
    if (error instanceof StageFailedError && error.cause instanceof StagingGoneError && latest?.status === 'done') return;
    throw error;
  }
}

async function finaliseOnce(video: VideoRecord, job: JobRecord): Promise<void> {
  const engines = configuredEngines();
  const rows = await inStage('indexing', async () => {
    const chunks = await Promise.all(
      Array.from({ length: job.chunks_total }, async (_, index) => {
        const bytes = await readObject(stagedChunkKey(video.account_id, video.video_id, job.job_id, index));
        if (!bytes) throw new StagingGoneError(index);
        return JSON.parse(Buffer.from(bytes).toString('utf8')) as StagedChunk;
      }),
    );
    const built = segmentRows(
      {
        account_id: video.account_id,
        collection_id: video.collection_id,
        video_id: video.video_id,
        duration_secs: video.duration_secs ?? 0,
        embedder: engines.embedder.id,
      },
      chunks,
    );
    await searchIndex().replaceVideo(video.account_id, video.video_id, built);
    await markIndexChanged(video.account_id);
    return built;
  });
  const firstFrame = rows.find((row) => row.type === 'frame');
  const eventId = newId('event');
  const done = await recordJobDone(
    video,
    job,
    { models: modelsOf(engines), segments_count: rows.length, thumbnail_key: firstFrame?.thumbnail_key ?? null },
    eventId,
    now().toISOString(),
  );
  if (done) announceEvent(video.account_id, eventId);
  if (done) {
    await refreshCollectionThumbnails(video.account_id, video.collection_id);
    logInfo('index: job done', { job_id: job.job_id, video_id: video.video_id, segments: rows.length });
    metrics.recordJobFinished('completed');
    // From the job's creation to its end: what a customer waits, per minute of their video.
    metrics.recordIndexing((now().getTime() - Date.parse(job.created_at)) / 1000, video.duration_secs ?? 0);
  }
  // Deleted while finalising: the delete's purge may have run before these rows were written.
  else if (await deletedMeanwhile(video)) await searchIndex().deleteVideo(video.account_id, video.video_id);
  await deletePrefix(stagingPrefix(video.account_id, video.video_id, job.job_id));
}

/**
 * A job whose indexing cannot go on: a chunk message that reached the dead-letter queue (its last run could
 * not even record the failure), or a job the daily sweep found without progress past its budget. A job
 * still indexing fails naming its stage and releases its hold; anything else is left as it is.
 */
export async function failStalledIndexing(accountId: string, videoId: string, jobId: string, cause: string): Promise<boolean> {
  const [video, job] = await Promise.all([getVideoRecord(accountId, videoId), getJobRecord(accountId, jobId)]);
  if (!video || !job || !isCurrent(video, job)) return false;
  await failJob(video, job, new Error(cause));
  return true;
}

async function failJob(video: VideoRecord, job: JobRecord, error: unknown): Promise<void> {
  const stage: IndexStage = error instanceof StageFailedError ? error.stage : 'indexing';
  // The cause goes to the log, not to the customer: it may name binaries, hosts or internal resources.
  const message = `Indexing failed at the ${stage} stage after repeated attempts; nothing was charged and the video can be uploaded or reindexed again`;
  logWarn('index: job failed', { job_id: job.job_id, video_id: video.video_id, stage, error: String(error) });
  const eventId = newId('event');
  const failed = await recordJobFailed(video, job, { code: 'INDEXING_FAILED', message }, eventId, now().toISOString());
  if (!failed) return;
  metrics.recordJobFinished('failed');
  announceEvent(video.account_id, eventId);
  // Read again: the record now says what is still held for this job.
  const latest = await getVideoRecord(video.account_id, video.video_id);
  if (latest) await releaseIndexingReservation(latest);
  await deletePrefix(stagingPrefix(video.account_id, video.video_id, job.job_id));
}

function modelsOf(engines: Engines): IndexModels {
  return { embedder: engines.embedder.id, transcriber: engines.transcriber?.id ?? null, text_reader: engines.textReader?.id ?? null };
}

/** How long ffmpeg may keep reading the source through one presigned URL. */
const SOURCE_URL_SECS = 60 * 60;

/** The worker's I/O: the source through a presigned URL, thumbnails next to the video in S3. */
function storageChunkIo(video: VideoRecord): ChunkIo {
  return {
    sourceUrl: () => presignGet(video.source_key, SOURCE_URL_SECS),
    hasAudio: video.has_audio ?? true,
    storeThumbnail: async (time, jpeg) => {
      const key = thumbnailKey(video.account_id, video.video_id, time);
      await putObject(key, jpeg, 'image/jpeg');
      return key;
    },
  };
}
