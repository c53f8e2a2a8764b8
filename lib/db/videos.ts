import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { countInRange, queryPrefixNewestFirst, readNewestFirst, statusListFilter, type ListRead } from '#lib/db/query';
import { failedConditionIndexes, isConditionFailure, transactConditionally } from '#lib/db/conditions';
import { storageChange, videoHidden } from '#lib/db/accounts';
import { getItems } from '#lib/db/batch';
import type { JobErrorCode } from '#lib/errors';
import { newId } from '#lib/ids';
import { outboxEventPut } from '#lib/db/events';
import { jobView, newQueuedJob, type JobRecord } from '#lib/db/jobs';

export type VideoStatus = 'uploading' | 'processing' | 'ready' | 'failed' | 'deleting';

export interface VideoRecord {
  video_id: string;
  account_id: string;
  collection_id: string;
  job_id: string;
  upload_id: string;
  filename: string;
  status: VideoStatus;
  mime_type: string;
  container: string;
  source_key: string;
  declared_size_bytes: number;
  file_size_bytes: number | null;
  duration_secs: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  /** Whether the stored file has sound (absent on videos ingested before this was recorded: treated as yes). */
  has_audio?: boolean;
  /** The file's SHA-256 (hex) when known: sent with the upload, or computed on the compatibility route. Absent on older videos. */
  sha256?: string | null;
  webhook_url: string | null;
  /** Bytes this video adds to the account's storage counter now (reserved, then actual, then 0). */
  counted_account_bytes: number;
  /** Bytes and seconds this video adds to its collection's figures now. */
  counted_collection_bytes: number;
  counted_collection_secs: number;
  /** Credits held for indexing it (estimated, then re-made from the probed duration); 0 once released or settled. */
  reserved_indexing_micros: number;
  /** Set when indexing completes (absent before): what it was indexed with and how many rows it has. */
  models?: { embedder: string | null; transcriber: string | null; text_reader: string | null };
  segments_count?: number;
  thumbnail_key?: string | null;
  /** The job whose rows the index holds now; differs from `job_id` while a reindex runs. */
  indexed_job_id?: string | null;
  created_at: string;
  updated_at: string;
}

/** A video whose bytes have not arrived yet: what is known now, nulls for what ingest will learn. */
export function newUploadingVideo(
  fields: Pick<
    VideoRecord,
    | 'video_id'
    | 'account_id'
    | 'collection_id'
    | 'job_id'
    | 'upload_id'
    | 'filename'
    | 'mime_type'
    | 'container'
    | 'source_key'
    | 'declared_size_bytes'
    | 'webhook_url'
    | 'created_at'
    | 'reserved_indexing_micros'
    | 'sha256'
  >,
): VideoRecord {
  return {
    ...fields,
    status: 'uploading',
    file_size_bytes: null,
    duration_secs: null,
    width: null,
    height: null,
    fps: null,
    codec: null,
    counted_account_bytes: fields.declared_size_bytes,
    counted_collection_bytes: 0,
    counted_collection_secs: 0,
    updated_at: fields.created_at,
  };
}

export async function getVideoRecord(accountId: string, videoId: string): Promise<VideoRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.video(accountId, videoId), ConsistentRead: true }));
  return result.Item as VideoRecord | undefined;
}

/** Several videos of one account at once (search results); missing ones are left out. */
export function batchGetVideos(accountId: string, videoIds: readonly string[]): Promise<VideoRecord[]> {
  return getItems<VideoRecord>(videoIds.map((videoId) => keys.video(accountId, videoId)));
}

export function listVideoRecords(accountId: string): Promise<VideoRecord[]> {
  const { PK, SKPrefix } = keys.videosOf(accountId);
  return queryPrefixNewestFirst<VideoRecord>(tableName, PK, SKPrefix);
}

export interface VideoListFilters {
  collectionId?: string | undefined;
  statuses?: readonly VideoStatus[] | undefined;
}

/** The rows GET /v1/videos lists: the account's videos (or one collection's, through GSI1) not being deleted, of the statuses asked. */
function videoListQuery(accountId: string, filters: VideoListFilters) {
  const filter = statusListFilter({
    statuses: filters.statuses ?? [],
    excluded: 'deleting',
    accountId: filters.collectionId === undefined ? undefined : accountId,
  });
  const range = filters.collectionId === undefined ? keys.videosOf(accountId) : keys.videosOfCollection(accountId, filters.collectionId);
  return { range, filter };
}

/** One page of GET /v1/videos by key condition (see readNewestFirst). */
export function readVideosPage(accountId: string, filters: VideoListFilters, read: ListRead): Promise<{ items: VideoRecord[]; next: string | undefined }> {
  const { range, filter } = videoListQuery(accountId, filters);
  return readNewestFirst<VideoRecord & { SK: string }>(range, { ...read, filter });
}

/** How many videos a status filter lets through: no counter keeps these, so their keys are counted. */
export function countVideos(accountId: string, filters: VideoListFilters): Promise<number> {
  const { range, filter } = videoListQuery(accountId, filters);
  return countInRange(range, filter);
}

/** The thumbnails of up to `count` of a collection's newest videos that have one (and are not being deleted). */
export async function newestThumbnailKeys(accountId: string, collectionId: string, count: number): Promise<string[]> {
  const { items } = await readNewestFirst<VideoRecord & { SK: string }>(keys.videosOfCollection(accountId, collectionId), {
    limit: count,
    skip: 0,
    after: undefined,
    filter: {
      expression: '#status <> :deleting AND attribute_type(thumbnail_key, :string) AND account_id = :account',
      names: { '#status': 'status' },
      values: { ':deleting': 'deleting', ':string': 'S', ':account': accountId },
    },
  });
  return items.flatMap((video) => (video.thumbnail_key ? [video.thumbnail_key] : []));
}

/** How many thumbnails a collection's list item shows (api.md: up to 4). */
export const COLLECTION_THUMBNAILS = 4;

/**
 * Writes on the collection the thumbnails of its newest videos that have one, read afresh: after each
 * change that can alter them (a video indexed, a video deleted), so GET /v1/collections reads them with
 * the collection instead of one query per collection. Not transactional (thumbnails are a picture, not a
 * count): the next change writes them again. A collection gone or being deleted is left as it is.
 */
export async function refreshCollectionThumbnails(accountId: string, collectionId: string): Promise<void> {
  const thumbnailKeys = await newestThumbnailKeys(accountId, collectionId, COLLECTION_THUMBNAILS);
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.collection(accountId, collectionId),
        UpdateExpression: 'SET thumbnail_keys = :keys',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':keys': thumbnailKeys, ':active': 'active' },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Ingest's claim on a stored object: uploading → processing, once. False when already claimed. */
export async function claimVideoForIngest(video: VideoRecord, at: string): Promise<boolean> {
  return (
    (
      await transactConditionally([
        {
          Update: {
            TableName: tableName,
            Key: keys.video(video.account_id, video.video_id),
            UpdateExpression: 'SET #status = :processing, updated_at = :at',
            ConditionExpression: '#status = :uploading',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':processing': 'processing', ':uploading': 'uploading', ':at': at },
          },
        },
        {
          Update: {
            TableName: tableName,
            Key: keys.job(video.account_id, video.job_id),
            UpdateExpression: 'SET stage = :probing, updated_at = :at',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':probing': 'probing', ':at': at },
          },
        },
      ])
    ).length === 0
  );
}

/**
 * An ingest try that stopped after its claim (a throw it caught) hands the claim back, so the retry of
 * its event may take it again. Only before the checks were recorded; a crash that cannot hand it back
 * is left to the daily sweep of stalled jobs.
 */
export async function releaseIngestClaim(video: VideoRecord, at: string): Promise<boolean> {
  return (
    (await transactConditionally([ingestClaimChange(video, 'SET ingest_released = :yes, updated_at = :at', 'attribute_not_exists(ingest_released)', at)]))
      .length === 0
  );
}

/** The retry of a released claim takes it again, once: a twin delivery running at the same time finds it taken. */
export async function retakeIngestClaim(video: VideoRecord, at: string): Promise<boolean> {
  return (await transactConditionally([ingestClaimChange(video, 'REMOVE ingest_released SET updated_at = :at', 'ingest_released = :yes', at)])).length === 0;
}

function ingestClaimChange(video: VideoRecord, update: string, condition: string, at: string) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.video(video.account_id, video.video_id),
      UpdateExpression: update,
      ConditionExpression: `#status = :processing AND counted_collection_bytes = :zero AND job_id = :job AND ${condition}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':processing': 'processing', ':zero': 0, ':job': video.job_id, ':yes': true, ':at': at },
    },
  };
}

export interface ProbedFacts {
  file_size_bytes: number;
  duration_secs: number;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  has_audio: boolean;
  mime_type: string;
  chunks_total: number;
  /** Where ingest copied the bytes it checked (no upload URL points there); the video reads them from here on. */
  source_key?: string;
}

/**
 * Ingest accepted the bytes: the video gets its facts, the job waits for the indexer, and the
 * account's reservation becomes the real size while the collection's figures grow — one transaction.
 */
export async function recordIngested(video: VideoRecord, facts: ProbedFacts, at: string): Promise<boolean> {
  const accountDelta = facts.file_size_bytes - video.counted_account_bytes;
  // A failed condition means a twin delivery already did this, or the video went meanwhile.
  const failed = await transactConditionally([
    {
      Update: {
        TableName: tableName,
        Key: keys.video(video.account_id, video.video_id),
        UpdateExpression: `SET file_size_bytes = :size, duration_secs = :duration, width = :width, height = :height, fps = :fps, codec = :codec, has_audio = :audio, mime_type = :mime, counted_account_bytes = :size, counted_collection_bytes = :size, counted_collection_secs = :duration, updated_at = :at${facts.source_key ? ', source_key = :source' : ''}`,
        ConditionExpression: '#status = :processing AND counted_collection_bytes = :zero',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':size': facts.file_size_bytes,
          ':duration': facts.duration_secs,
          ':width': facts.width,
          ':height': facts.height,
          ':fps': facts.fps,
          ':codec': facts.codec,
          ':audio': facts.has_audio,
          ':mime': facts.mime_type,
          ...(facts.source_key ? { ':source': facts.source_key } : {}),
          ':processing': 'processing',
          ':zero': 0,
          ':at': at,
        },
      },
    },
    {
      Update: {
        TableName: tableName,
        Key: keys.job(video.account_id, video.job_id),
        UpdateExpression: 'SET #status = :pending, stage = :stage, chunks_total = :chunks, updated_at = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':stage': 'waiting_for_indexer', ':chunks': facts.chunks_total, ':at': at },
      },
    },
    storageChange(video.account_id, accountDelta),
    {
      Update: {
        TableName: tableName,
        Key: keys.collection(video.account_id, video.collection_id),
        UpdateExpression: 'ADD storage_bytes :size, total_duration_secs :duration',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':size': facts.file_size_bytes, ':duration': facts.duration_secs },
      },
    },
  ]);
  return failed.length === 0;
}

/**
 * Ingest refused the bytes: video failed, job failed with its code, the account's storage
 * given back. Conditional on the video still being in ingest, so a repeat changes nothing.
 */
export async function recordIngestFailure(
  video: VideoRecord,
  error: { code: JobErrorCode; message: string },
  at: string,
  expectedStatus: 'processing' | 'uploading' = 'processing',
): Promise<string | undefined> {
  const stage = expectedStatus === 'uploading' ? 'fetching' : 'probing';
  const eventId = newId('event');
  // The job as GET /v1/jobs answers it now; ingest only ever fails a video's first job, made with the video.
  const failedJob = jobView({ ...newQueuedJob(video, stage), status: 'failed', error, updated_at: at });
  // A failed condition means a twin delivery already did this, or the video went meanwhile.
  const failed = await transactConditionally([
    {
      Update: {
        TableName: tableName,
        Key: keys.video(video.account_id, video.video_id),
        UpdateExpression: 'SET #status = :failed, counted_account_bytes = :zero, updated_at = :at',
        ConditionExpression: '#status = :expected',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': 'failed', ':expected': expectedStatus, ':zero': 0, ':at': at },
      },
    },
    {
      Update: {
        TableName: tableName,
        Key: keys.job(video.account_id, video.job_id),
        UpdateExpression: 'SET #status = :failed, stage = :stage, #error = :error, updated_at = :at',
        ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: { ':failed': 'failed', ':stage': stage, ':error': error, ':at': at },
      },
    },
    storageChange(video.account_id, -video.counted_account_bytes),
    outboxEventPut(video.account_id, eventId, 'job.failed', failedJob, at, { webhookUrl: video.webhook_url }),
  ]);
  return failed.length === 0 ? eventId : undefined;
}

/**
 * What reserving a fetched video's storage did: `reserved` now; `over_limit`, nothing written; or
 * `settled_before`, nothing written because the video is no longer waiting for its bytes (a repeat
 * of a fetch already reserved, or a video deleted meanwhile) — never a plan-limit refusal.
 */
export type FetchReservation = 'reserved' | 'over_limit' | 'settled_before';

/**
 * A fetched source URL is in staging: now its size is known, so the storage is reserved under the
 * plan limit and the video learns its size, format and final key — one transaction.
 */
export async function recordFetched(
  video: VideoRecord,
  fetched: { sizeBytes: number; sourceKey: string; container: string; mimeType: string },
  storageLimitBytes: number,
  at: string,
): Promise<FetchReservation> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          storageChange(video.account_id, fetched.sizeBytes, storageLimitBytes),
          {
            Update: {
              TableName: tableName,
              Key: keys.video(video.account_id, video.video_id),
              UpdateExpression:
                'SET declared_size_bytes = :size, counted_account_bytes = :size, source_key = :key, container = :container, mime_type = :mime, updated_at = :at',
              ConditionExpression: '#status = :uploading AND counted_account_bytes = :zero',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':size': fetched.sizeBytes,
                ':key': fetched.sourceKey,
                ':container': fetched.container,
                ':mime': fetched.mimeType,
                ':uploading': 'uploading',
                ':zero': 0,
                ':at': at,
              },
            },
          },
        ],
      }),
    );
    return 'reserved';
  } catch (error) {
    const failed = failedConditionIndexes(error);
    // The video's own condition first: a repeat may also fail the limit, by its own earlier reservation.
    if (failed?.includes(1)) return 'settled_before';
    if (failed?.includes(0)) return 'over_limit';
    throw error;
  }
}

/**
 * First step of a video delete: invisible at once, and `video.deleted` in the outbox in the same
 * transaction (says the event id, or undefined when a twin delete got there first). The sweep that
 * follows is safe to repeat.
 */
export async function markVideoDeleting(video: VideoRecord, job: VideoJob | undefined, at: string): Promise<string | undefined> {
  const eventId = newId('event');
  const failed = await transactConditionally([
    {
      Update: {
        TableName: tableName,
        Key: keys.video(video.account_id, video.video_id),
        UpdateExpression: 'SET #status = :deleting, updated_at = :at',
        ConditionExpression: 'attribute_exists(PK) AND #status <> :deleting',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':deleting': 'deleting', ':at': at },
      },
    },
    videoHidden(video.account_id),
    outboxEventPut(video.account_id, eventId, 'video.deleted', videoEventData(video, job), at),
  ]);
  return failed.length === 0 ? eventId : undefined;
}

/** A video's own fields as the API shows them: its list item without what the job and storage add (progress, error, a thumbnail link). */
export function videoFields(video: VideoRecord) {
  return {
    id: video.video_id,
    filename: video.filename,
    collection_id: video.collection_id,
    status: video.status,
    duration_secs: video.duration_secs,
    width: video.width,
    height: video.height,
    fps: video.fps,
    codec: video.codec,
    mime_type: video.mime_type,
    file_size_bytes: video.file_size_bytes,
    job_id: video.job_id,
    created_at: video.created_at,
  };
}

/** What a video's latest job adds to it in the API: how far along, and why it failed. */
export type VideoJob = Pick<JobRecord, 'status' | 'progress_pct' | 'error'>;

export function videoJobFields(job: VideoJob | undefined) {
  return {
    progress_pct: job?.progress_pct ?? 0,
    error: job?.status === 'failed' ? (job.error?.message ?? null) : null,
    error_code: job?.status === 'failed' ? (job.error?.code ?? null) : null,
  };
}

/** What the detail (GET /v1/videos/{id}) adds about the video's index. */
export function videoIndexFields(video: VideoRecord) {
  return {
    segments_count: video.segments_count ?? 0,
    models: video.models ?? { embedder: null, transcriber: null, text_reader: null },
  };
}

/**
 * The `data` of `video.created` / `video.deleted` (api.md: the shape the API returns for the object):
 * GET /v1/videos/{id}'s answer, except its links, which are presigned for an hour and would expire
 * before a late retry lands: `playback_url` is null and `thumbnail_url` absent (as in the detail of a
 * video that has none).
 */
export function videoEventData(video: VideoRecord, job: VideoJob | undefined) {
  return { ...videoFields(video), ...videoJobFields(job), playback_url: null, ...videoIndexFields(video) };
}

/**
 * The rows of a video and the counters it fed, as transaction items; the collection's only while
 * it exists; the upload session kept when an abandoned upload should still answer its status.
 */
function removalItems(video: VideoRecord, withCollection: boolean, keepUpload: boolean) {
  const items = [
    { Delete: { TableName: tableName, Key: keys.video(video.account_id, video.video_id), ConditionExpression: 'attribute_exists(PK)' } },
    { Delete: { TableName: tableName, Key: keys.job(video.account_id, video.job_id) } },
    ...(keepUpload ? [] : [{ Delete: { TableName: tableName, Key: keys.upload(video.account_id, video.upload_id) } }]),
    videoHidden(video.account_id, video.counted_account_bytes, true),
  ];
  if (!withCollection) return items;
  return [
    ...items,
    {
      Update: {
        TableName: tableName,
        Key: keys.collection(video.account_id, video.collection_id),
        UpdateExpression: 'ADD video_count :minusOne, storage_bytes :bytes, total_duration_secs :secs',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':minusOne': -1, ':bytes': -video.counted_collection_bytes, ':secs': -video.counted_collection_secs },
      },
    },
  ];
}

/**
 * Last step of a video delete: its rows go and every counter it fed gives back exactly what it
 * counted, in one transaction conditional on the row still being there (so it happens once).
 */
export async function removeVideoRows(video: VideoRecord, options: { keepUpload: boolean } = { keepUpload: false }): Promise<void> {
  try {
    await db.send(new TransactWriteCommand({ TransactItems: removalItems(video, true, options.keepUpload) }));
  } catch (error) {
    const failed = failedConditionIndexes(error);
    if (!failed?.length) throw error;
    if (failed.includes(0)) return;
    // The collection row is already gone (its own delete is finishing): release the rest.
    try {
      await db.send(new TransactWriteCommand({ TransactItems: removalItems(video, false, options.keepUpload) }));
    } catch (retryError) {
      if (!failedConditionIndexes(retryError)?.length) throw retryError;
    }
  }
}
