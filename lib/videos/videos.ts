import { now } from '#lib/clock';
import { AppError } from '#lib/errors';
import type { Page, PageRequest } from '#lib/pagination';
import { videoPrefix } from '#lib/storage/layout';
import { abortMultipart, deletePrefix, presignGet } from '#lib/storage/objects';
import { endUpload, getUploadRecord } from '#lib/db/uploads';
import { releaseIndexingReservation } from '#lib/billing/metering';
import { enqueuePurge } from '#lib/indexing/queue';
import {
  COLLECTION_THUMBNAILS,
  countVideos,
  getVideoRecord,
  markVideoDeleting,
  newestThumbnailKeys,
  readVideosPage,
  refreshCollectionThumbnails,
  removeVideoRows,
  videoFields,
  videoIndexFields,
  videoJobFields,
  type VideoJob,
  type VideoListFilters,
  type VideoRecord,
  type VideoStatus,
} from '#lib/db/videos';
import { batchGetJobs, getJobRecord } from '#lib/db/jobs';
import { getCollectionRecord } from '#lib/db/collections';
import { getAccount } from '#lib/db/accounts';
import { announceEvent } from '#lib/db/events';

const PLAYBACK_URL_SECS = 60 * 60;

export interface VideoListItem {
  id: string;
  filename: string;
  collection_id: string;
  status: VideoStatus;
  duration_secs: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  mime_type: string;
  file_size_bytes: number | null;
  progress_pct: number;
  thumbnail_url?: string;
  /** The video's latest job; with `error` / `error_code` (the job's shape) saying why, when it failed. */
  job_id: string;
  error: string | null;
  error_code: string | null;
  created_at: string;
}

export interface VideoDetail extends VideoListItem {
  playback_url: string | null;
  segments_count: number;
  models: { embedder: string | null; transcriber: string | null; text_reader: string | null };
}

const THUMBNAIL_URL_SECS = 60 * 60;

async function toListItem(video: VideoRecord, job: VideoJob | undefined): Promise<VideoListItem> {
  return {
    ...videoFields(video),
    ...videoJobFields(job),
    ...(video.thumbnail_key ? { thumbnail_url: await presignGet(video.thumbnail_key, THUMBNAIL_URL_SECS) } : {}),
  };
}

/**
 * Presigned thumbnails of each collection's newest videos (api.md: collection list items carry up to
 * 4), as the collection keeps them (refreshCollectionThumbnails); a collection that has not kept them
 * yet (made before they were kept) has its newest videos read through its GSI1 partition.
 */
export async function collectionThumbnailUrls(
  accountId: string,
  collections: ReadonlyArray<{ collection_id: string; thumbnail_keys?: string[] | undefined }>,
): Promise<Map<string, string[]>> {
  const urls = new Map<string, string[]>();
  await Promise.all(
    collections.map(async ({ collection_id: collectionId, thumbnail_keys: kept }) => {
      const thumbnailKeys = kept ?? (await newestThumbnailKeys(accountId, collectionId, COLLECTION_THUMBNAILS));
      urls.set(collectionId, await Promise.all(thumbnailKeys.slice(0, COLLECTION_THUMBNAILS).map((key) => presignGet(key, THUMBNAIL_URL_SECS))));
    }),
  );
  return urls;
}

/** A video the caller may see: missing, another account's and being-deleted all look the same. */
async function requireVideo(accountId: string, videoId: string): Promise<VideoRecord> {
  const video = await getVideoRecord(accountId, videoId);
  if (!video || video.status === 'deleting') throw new AppError('VIDEO_NOT_FOUND');
  return video;
}

export type VideoFilters = VideoListFilters;

/**
 * GET /v1/videos: a page read by key condition (GSI1 for one collection), the jobs of that page only,
 * and the total from a counter (the account's, or the collection's) unless a status filter asks for a
 * count no counter keeps.
 */
export async function listVideos(accountId: string, filters: VideoFilters, request: PageRequest): Promise<Page<VideoListItem>> {
  const [page, total] = await Promise.all([
    readVideosPage(accountId, filters, { limit: request.perPage, skip: request.skip, after: request.after }),
    videoTotal(accountId, filters, request.carriedTotal),
  ]);
  const jobs = await batchGetJobs(
    accountId,
    page.items.filter((video) => !indexedByItsJob(video)).map((video) => video.job_id),
  );
  const jobsById = new Map<string, VideoJob>(jobs.map((job) => [job.job_id, job]));
  return {
    items: await Promise.all(page.items.map((video) => toListItem(video, indexedByItsJob(video) ? DONE_JOB : jobsById.get(video.job_id)))),
    total,
    page: request.page,
    per_page: request.perPage,
    next: page.next,
  };
}

/**
 * A ready video whose index is its latest job's: that job is done at 100 % (both were written in one
 * transaction, recordJobDone), so a page of such videos needs no read of their jobs.
 */
function indexedByItsJob(video: VideoRecord): boolean {
  return video.status === 'ready' && video.indexed_job_id === video.job_id;
}

const DONE_JOB: VideoJob = { status: 'done', progress_pct: 100, error: null };

async function videoTotal(accountId: string, filters: VideoFilters, carried: number | undefined): Promise<number> {
  if (filters.statuses?.length) return carried ?? countVideos(accountId, filters);
  if (filters.collectionId !== undefined) return (await getCollectionRecord(accountId, filters.collectionId))?.video_count ?? 0;
  return (await getAccount(accountId))?.video_count ?? 0;
}

export async function describeVideo(accountId: string, videoId: string): Promise<VideoDetail> {
  const video = await requireVideo(accountId, videoId);
  const job = await getJobRecord(accountId, video.job_id);
  const stored = video.status === 'processing' || video.status === 'ready';
  return {
    ...(await toListItem(video, job)),
    playback_url: stored ? await presignGet(video.source_key, PLAYBACK_URL_SECS) : null,
    ...videoIndexFields(video),
  };
}

/**
 * Removes a video's bytes and rows and gives back every figure it counted. Safe to repeat:
 * each step either finds its work done or does it.
 */
export async function purgeVideo(video: VideoRecord): Promise<void> {
  const upload = await getUploadRecord(video.account_id, video.upload_id);
  if (upload?.status === 'awaiting_bytes' && (await endUpload(upload, 'aborted')) && upload.storage_upload_id) {
    await abortMultipart(upload.source_key, upload.storage_upload_id);
  }
  await deletePrefix(videoPrefix(video.account_id, video.video_id));
  // Read again: ingest may have re-made the reservation since this delete began.
  await releaseIndexingReservation((await getVideoRecord(video.account_id, video.video_id)) ?? video);
  await removeVideoRows(video);
  await enqueuePurge(video.account_id, video.video_id);
}

/**
 * Marks the video deleting with `video.deleted` in the outbox (once, however often this repeats: a
 * video already marked writes nothing) and announces it.
 */
async function markDeletingAndAnnounce(video: VideoRecord): Promise<void> {
  const job = await getJobRecord(video.account_id, video.job_id);
  const deletedEventId = await markVideoDeleting(video, job, now().toISOString());
  if (deletedEventId) announceEvent(video.account_id, deletedEventId);
  if (video.thumbnail_key) await refreshCollectionThumbnails(video.account_id, video.collection_id);
}

export async function deleteVideo(accountId: string, videoId: string): Promise<void> {
  const video = await requireVideo(accountId, videoId);
  await markDeletingAndAnnounce(video);
  await purgeVideo(video);
}

/**
 * For a collection's cascade: purge a video row found under the collection. `reportDeletion`: a
 * collection deleted on its own reports each video it removes (`video.deleted`, like a single delete);
 * an account's deletion does not (its endpoints are gone already).
 */
export async function purgeVideoById(accountId: string, videoId: string, options: { reportDeletion: boolean }): Promise<void> {
  const video = await getVideoRecord(accountId, videoId);
  if (!video) return;
  if (options.reportDeletion && video.status !== 'deleting') await markDeletingAndAnnounce(video);
  await purgeVideo(video);
}
