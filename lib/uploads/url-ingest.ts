import { announceEvent } from '#lib/db/events';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Upload } from '@aws-sdk/lib-storage';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { config } from '#lib/config';
import { now } from '#lib/clock';
import { newId } from '#lib/ids';
import { JobFailedError } from '#lib/errors';
import { logInfo, logWarn } from '#lib/log';
import { planLimits } from '#lib/plans';
import { requireCollection } from '#lib/collections/collections';
import { MAX_VIDEO_BYTES, VIDEO_FORMATS, type VideoFormat } from '#lib/media/formats';
import { guardedGet, requirePublicUrl, UrlRefusedError } from '#lib/net/url-guard';
import { host } from '#lib/hosts/host';
import { createUploadWithHold, indexingEstimateMicros, releaseIndexingReservation } from '#lib/billing/metering';
import { throwIfArmed } from '#lib/faults';
import { s3, mediaBucket } from '#lib/storage/client';
import { sourceKey, videoPrefix } from '#lib/storage/layout';
import { deletePrefix } from '#lib/storage/objects';
import { endUpload, getUploadRecord, type UploadRecord } from '#lib/db/uploads';
import { getVideoRecord, newUploadingVideo, recordFetched, recordIngestFailure, type VideoRecord } from '#lib/db/videos';
import { newQueuedJob, setJobStage } from '#lib/db/jobs';
import { requireAccount } from '#lib/db/accounts';

/**
 * api.md caps a server-side fetch at 30 minutes, but it runs in one function invocation of at
 * most 900 s (functions/routes.ts `fetchSource`): a longer deadline had the platform kill the
 * fetch and start it over. It ends inside the timeout, with two minutes left to copy the object
 * and record the job, and a fetch that cannot finish in it fails the job.
 */
export const FETCH_DEADLINE_MS = 13 * 60 * 1000;
const CONNECT_TIMEOUT_MS = 30 * 1000;

/** What the background fetch of a source URL is started with (functions/events/fetch-source.ts). */
export interface FetchSourceTask {
  kind: 'fetchSource';
  account_id: string;
  upload_id: string;
}

export interface UrlUploadRequest {
  collectionId: string;
  sourceUrl: string;
  filename?: string | undefined;
  webhookUrl?: string | undefined;
}

function filenameFrom(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // A redirect target may carry a malformed escape: keep the name as it was written.
  }
  return decoded.trim() || 'video';
}

/**
 * POST /v1/uploads with `source_url`: the URL is vetted now (a refused one is a 422 at once),
 * the video and job are created, and the fetch runs in the background; what goes wrong there
 * lands on the job.
 */
export async function createUrlUpload(
  accountId: string,
  request: UrlUploadRequest,
): Promise<{ upload_id: string; video_id: string; job_id: string; status: 'queued' }> {
  await requireCollection(accountId, request.collectionId);
  const sourceUrl = await requirePublicUrl(request.sourceUrl, 'source_url');
  if (request.webhookUrl) await requirePublicUrl(request.webhookUrl, 'webhook_url');
  const account = await requireAccount(accountId);
  const createdAt = now().toISOString();
  const videoId = newId('video');
  // The size is unknown until the bytes arrive: the minimum estimate (one minute) is held now, re-made at ingest.
  const reservedMicros = indexingEstimateMicros(0);
  const upload: UploadRecord = {
    upload_id: newId('upload'),
    account_id: accountId,
    collection_id: request.collectionId,
    video_id: videoId,
    job_id: newId('job'),
    method: 'url',
    source_url: sourceUrl.toString(),
    source_key: '',
    content_type: '',
    size_bytes: 0,
    part_size: null,
    parts_count: null,
    storage_upload_id: null,
    status: 'awaiting_bytes',
    expires_at_iso: new Date(Date.parse(createdAt) + config.FRAMESEEK_UPLOAD_TTL_SECS * 1000).toISOString(),
    created_at: createdAt,
  };
  // Size, format and key are learnt when the bytes arrive: nothing is reserved until then.
  const video = newUploadingVideo({
    video_id: videoId,
    account_id: accountId,
    collection_id: request.collectionId,
    job_id: upload.job_id,
    upload_id: upload.upload_id,
    filename: request.filename ?? filenameFrom(sourceUrl),
    mime_type: '',
    container: '',
    source_key: '',
    declared_size_bytes: 0,
    webhook_url: request.webhookUrl ?? null,
    created_at: createdAt,
    reserved_indexing_micros: reservedMicros,
  });
  const job = newQueuedJob(video, 'fetching');
  // Hold, records and session in one transaction; should the fetch never start (a crash right after),
  // the daily sweep expires the session and gives the hold back.
  await createUploadWithHold({ upload, video, job, storageLimitBytes: planLimits(account.plan).storage_limit_bytes }, reservedMicros);
  throwIfArmed('upload_interrupted');
  const task: FetchSourceTask = { kind: 'fetchSource', account_id: accountId, upload_id: upload.upload_id };
  await host().invoke('fetchSource', task);
  return { upload_id: upload.upload_id, video_id: videoId, job_id: upload.job_id, status: 'queued' };
}

function formatOf(contentType: string | undefined, filename: string): VideoFormat | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  const extension = filename.split('.').pop()?.toLowerCase() ?? '';
  return (
    VIDEO_FORMATS.find((format) => format.contentType === type) ?? VIDEO_FORMATS.find((format) => (format.extensions as readonly string[]).includes(extension))
  );
}

/**
 * The background half: streams the URL into a staging object (never holding the file), checking
 * size as the bytes arrive, then reserves storage and copies the object to its source key — whose
 * object-created event starts the ordinary ingest. Runs again harmlessly if invoked twice.
 */
export async function fetchSourceIntoStorage(accountId: string, uploadId: string): Promise<void> {
  const upload = await getUploadRecord(accountId, uploadId);
  const video = upload ? await getVideoRecord(accountId, upload.video_id) : undefined;
  if (!upload || !video || upload.status !== 'awaiting_bytes' || !upload.source_url || video.status !== 'uploading') return;
  await setJobStage(accountId, upload.job_id, 'fetching', now().toISOString());
  const stagingKey = `${videoPrefix(accountId, video.video_id)}incoming.part`;
  try {
    const { sizeBytes, format } = await streamToStaging(upload.source_url, video.filename, stagingKey);
    const account = await requireAccount(accountId);
    const key = sourceKey(accountId, video.video_id, format.extensions[0]);
    const reserved = await recordFetched(
      video,
      { sizeBytes, sourceKey: key, container: format.container, mimeType: format.contentType },
      planLimits(account.plan).storage_limit_bytes,
      now().toISOString(),
    );
    if (reserved === 'over_limit') throw new JobFailedError('PLAN_LIMIT_EXCEEDED', "The fetched video would take your storage past the plan's limit");
    if (reserved === 'settled_before' && !(await stillAwaitingCopy(accountId, video.video_id, key))) {
      await deletePrefix(stagingKey);
      return;
    }
    await s3.send(
      new CopyObjectCommand({
        Bucket: mediaBucket,
        Key: key,
        CopySource: `${mediaBucket}/${stagingKey}`,
        ContentType: format.contentType,
        MetadataDirective: 'REPLACE',
      }),
    );
    await deletePrefix(stagingKey);
    logInfo('url ingest: fetched', { upload_id: uploadId, bytes: sizeBytes });
  } catch (error) {
    if (!(error instanceof JobFailedError)) throw error;
    await refuseFetch(upload, { ...video, counted_account_bytes: 0 }, error);
  }
}

async function refuseFetch(upload: UploadRecord, video: VideoRecord, error: JobFailedError): Promise<void> {
  await deletePrefix(videoPrefix(video.account_id, video.video_id));
  await endUpload(upload, 'aborted');
  await releaseIndexingReservation(video);
  const failedEventId = await recordIngestFailure(video, { code: error.code, message: error.message }, now().toISOString(), 'uploading');
  if (failedEventId) announceEvent(video.account_id, failedEventId);
  logInfo('url ingest: refused', { upload_id: upload.upload_id, code: error.code });
}

/**
 * The fetch's last try failed (its invocation reached the dead-letter queue, or the daily sweep found
 * its job stalled): a video still waiting for its bytes fails with INDEXING_FAILED, and the storage
 * reserved for it, if any, is given back. Safe to repeat.
 */
export async function failStrandedFetch(accountId: string, uploadId: string): Promise<boolean> {
  const upload = await getUploadRecord(accountId, uploadId);
  const video = upload ? await getVideoRecord(accountId, upload.video_id) : undefined;
  if (!upload || video?.status !== 'uploading' || !upload.source_url) return false;
  logWarn('url ingest: given up after repeated failures', { upload_id: uploadId });
  await refuseFetch(upload, video, new JobFailedError('INDEXING_FAILED', 'Fetching the source URL failed after repeated attempts; nothing was charged'));
  return true;
}

/** A repeated fetch finishes the copy only for a video still uploading with this reservation (not one deleted meanwhile). */
async function stillAwaitingCopy(accountId: string, videoId: string, key: string): Promise<boolean> {
  const current = await getVideoRecord(accountId, videoId);
  return current?.status === 'uploading' && current.source_key === key;
}

async function streamToStaging(sourceUrl: string, filename: string, stagingKey: string): Promise<{ sizeBytes: number; format: VideoFormat }> {
  let response;
  try {
    response = await guardedGet(sourceUrl, { timeoutMs: CONNECT_TIMEOUT_MS, deadlineMs: FETCH_DEADLINE_MS });
  } catch (error) {
    if (error instanceof UrlRefusedError) throw new JobFailedError('INDEXING_FAILED', `Fetching the source URL failed: it ${error.message}`);
    throw new JobFailedError('INDEXING_FAILED', 'Fetching the source URL failed: the host could not be reached');
  }
  const { body } = response;
  if (response.status !== 200) {
    body.resume();
    throw new JobFailedError('INDEXING_FAILED', `Fetching the source URL failed: it answered HTTP ${response.status}`);
  }
  const declaredLength = Number(response.headers['content-length'] ?? NaN);
  if (declaredLength > MAX_VIDEO_BYTES) {
    body.destroy();
    throw new JobFailedError('UPLOAD_TOO_LARGE', `The source is ${declaredLength} bytes, over the 5 GB maximum`);
  }
  const format = formatOf(response.headers['content-type'], filename || filenameFrom(response.url));
  if (!format) {
    body.destroy();
    throw new JobFailedError(
      'UNSUPPORTED_FORMAT',
      `The source is ${response.headers['content-type'] ?? 'of unknown type'}, not MP4, MOV, AVI, WebM, MPEG or MKV`,
    );
  }

  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > MAX_VIDEO_BYTES) done(new JobFailedError('UPLOAD_TOO_LARGE', 'The source grew past the 5 GB maximum while it was fetched'));
      else done(null, chunk);
    },
  });
  const staged = new PassThrough();
  const upload = new Upload({ client: s3, params: { Bucket: mediaBucket, Key: stagingKey, Body: staged, ContentType: format.contentType } });
  try {
    await Promise.all([pipeline(body, counter, staged), upload.done()]);
  } catch (error) {
    await upload.abort().catch(() => undefined);
    if (error instanceof JobFailedError) throw error;
    if (error instanceof UrlRefusedError) throw new JobFailedError('INDEXING_FAILED', `Fetching the source URL failed: it ${error.message}`);
    throw new JobFailedError('INDEXING_FAILED', 'Fetching the source URL failed: the connection broke off');
  }
  return { sizeBytes: received, format };
}
