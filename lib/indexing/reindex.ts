import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import { newId } from '#lib/ids';
import { getVideoRecord, type VideoRecord } from '#lib/db/videos';
import { markChunksEnqueued, newQueuedJob } from '#lib/db/jobs';
import { recordReindexStarted } from '#lib/db/indexing';
import { indexingPriceMicros, moveIndexingReservation, releaseIndexingReservation } from '#lib/billing/metering';
import { chunkCount, enqueueChunks } from '#lib/indexing/queue';

/**
 * api.md: indexes a video again with the engines configured now, metered like indexing. The video
 * stays `ready` on its old rows, which keep answering searches until the new job's finishing
 * commit replaces them; a video whose indexing failed (its file kept) gets another try.
 */
export async function startReindex(accountId: string, videoId: string): Promise<{ job_id: string; video_id: string; status: 'queued' }> {
  const video = await getVideoRecord(accountId, videoId);
  if (!video || video.status === 'deleting') throw new AppError('VIDEO_NOT_FOUND');
  const durationSecs = video.duration_secs;
  if (durationSecs === null || !canReindex(video)) {
    throw new AppError(
      'VALIDATION_ERROR',
      `This video is ${video.status === 'processing' ? 'still being indexed' : 'not indexable'}; reindex it once it is ready`,
      {
        fields: [{ path: 'video_id', message: `video status is ${video.status}` }],
      },
    );
  }

  const at = now().toISOString();
  const jobId = newId('job');
  const job = { ...newQueuedJob({ ...video, job_id: jobId, created_at: at }, 'waiting_for_indexer'), status: 'pending' as const };
  job.chunks_total = chunkCount(durationSecs);

  // Step 10 of the order of checks: the price is held before anything is queued.
  const held = { ...video, reserved_indexing_micros: video.reserved_indexing_micros + indexingPriceMicros(durationSecs) };
  await moveIndexingReservation(video, held.reserved_indexing_micros);
  if (!(await recordReindexStarted(held, job, at))) {
    await releaseIndexingReservation(held);
    throw new AppError('VALIDATION_ERROR', 'This video changed meanwhile (another reindex or a delete); try again', {
      fields: [{ path: 'video_id', message: 'video changed while the reindex started' }],
    });
  }
  await enqueueChunks(job, durationSecs);
  await markChunksEnqueued(accountId, jobId, now().toISOString());
  return { job_id: jobId, video_id: videoId, status: 'queued' };
}

function canReindex(video: VideoRecord): boolean {
  const jobFinished = video.status === 'ready' || (video.status === 'failed' && video.counted_collection_bytes > 0);
  return jobFinished;
}
