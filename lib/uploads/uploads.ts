import { createHash } from 'node:crypto';
import { config } from '#lib/config';
import { now, nowMs } from '#lib/clock';
import { newId } from '#lib/ids';
import { AppError } from '#lib/errors';
import { planLimits } from '#lib/plans';
import { requireCollection } from '#lib/collections/collections';
import { checkDeclaredVideo, MAX_VIDEO_BYTES } from '#lib/media/formats';
import { contentTypeOfFile, SNIFF_BYTES } from '#lib/media/sniff';
import { requirePublicUrl } from '#lib/net/url-guard';
import { sourceKey, videoPrefix } from '#lib/storage/layout';
import {
  abortMultipart,
  completeMultipart,
  deletePrefix,
  listStoredParts,
  presignPart,
  presignPut,
  putObject,
  startMultipart,
  storedSize,
} from '#lib/storage/objects';
import type { UploadedFile } from '#lib/uploaded-file';
import { DIRECT_UPLOAD_MAX_BYTES } from '#lib/uploads/schemas';
import { createUploadWithHold, indexingEstimateMicros, releaseIndexingReservation } from '#lib/billing/metering';
import { throwIfArmed } from '#lib/faults';
import {
  dropOpenUploadEntry,
  endUpload,
  storageLimitError,
  getUploadRecord,
  listExpiredOpenUploads,
  type UploadRecord,
  type UploadStatus,
} from '#lib/db/uploads';
import { getVideoRecord, listVideoRecords, newUploadingVideo, removeVideoRows } from '#lib/db/videos';
import { newQueuedJob } from '#lib/db/jobs';
import { requireAccount } from '#lib/db/accounts';

export interface DeclaredUpload {
  collectionId: string;
  filename: string;
  sizeBytes: number;
  contentType: string;
  webhookUrl?: string | undefined;
  sha256?: string | undefined;
}

/** A video of the account with the same content as an upload (api: meta.duplicate_of). */
export interface DuplicateOf {
  video_id: string;
  collection_id: string;
  filename: string;
  status: string;
}

interface OpenedUpload {
  upload: UploadRecord;
  duplicateOf: DuplicateOf | null;
}

interface PartUrl {
  part_number: number;
  url: string;
}

export interface UploadTicket {
  upload_id: string;
  video_id: string;
  job_id: string;
  expires_at: string;
  method: 'PUT';
  url?: string;
  headers?: Record<string, string>;
  multipart?: { part_size: number; parts: PartUrl[] };
}

export interface UploadState {
  upload_id: string;
  video_id: string;
  job_id: string;
  status: UploadStatus;
  expires_at: string;
  parts_received?: number[];
  multipart?: { part_size: number; parts: PartUrl[] };
}

function partLength(upload: Pick<UploadRecord, 'size_bytes' | 'part_size'>, partNumber: number): number {
  const partSize = upload.part_size ?? upload.size_bytes;
  return Math.min(partSize, upload.size_bytes - (partNumber - 1) * partSize);
}

function secondsLeft(upload: Pick<UploadRecord, 'expires_at_iso'>): number {
  return Math.max(1, Math.floor((Date.parse(upload.expires_at_iso) - nowMs()) / 1000));
}

async function partUrls(upload: UploadRecord, partNumbers: readonly number[]): Promise<PartUrl[]> {
  const storageUploadId = upload.storage_upload_id ?? '';
  return Promise.all(
    partNumbers.map(async (partNumber) => ({
      part_number: partNumber,
      url: await presignPart(upload.source_key, storageUploadId, partNumber, partLength(upload, partNumber), secondsLeft(upload)),
    })),
  );
}

/**
 * Everything both upload routes share, in the order of errors.md: the collection exists (7), the
 * declared file is a supported video within the size cap (8), the plan has room (9), the balance
 * holds the indexing estimate (10); the hold, the storage reservation, the video, its job and the
 * upload session are one transaction. A crash after it leaves an open upload whose hold the daily
 * sweep gives back when the session expires; before it, nothing at all.
 */
/**
 * The account's video with this content, if it has one that is stored or on its way to being indexed.
 * The upload still goes ahead (the caller may want a second copy, e.g. in another collection); the
 * answer names the first so a client can abort instead.
 */
async function findDuplicate(accountId: string, sha256: string | undefined): Promise<DuplicateOf | null> {
  if (!sha256) return null;
  const same = (await listVideoRecords(accountId))
    .filter((video) => video.sha256 === sha256 && (video.status === 'processing' || video.status === 'ready'))
    .sort((a, b) => a.created_at.localeCompare(b.created_at))[0];
  return same ? { video_id: same.video_id, collection_id: same.collection_id, filename: same.filename, status: same.status } : null;
}

async function openUpload(accountId: string, declared: DeclaredUpload, allowMultipart: boolean): Promise<OpenedUpload> {
  await requireCollection(accountId, declared.collectionId);
  // Vetted before anything is stored: the outcome is later posted there, through the same guard.
  if (declared.webhookUrl) await requirePublicUrl(declared.webhookUrl, 'webhook_url');
  const format = checkDeclaredVideo(declared, MAX_VIDEO_BYTES);
  const account = await requireAccount(accountId);
  const limits = planLimits(account.plan);
  // Checked here so no multipart upload is started in vain; the transaction checks again atomically.
  if ((account.storage_bytes ?? 0) + declared.sizeBytes > limits.storage_limit_bytes) {
    throw storageLimitError(limits.storage_limit_bytes, account.storage_bytes ?? 0);
  }

  const duplicateOf = await findDuplicate(accountId, declared.sha256);

  const createdAt = now();
  const videoId = newId('video');
  const key = sourceKey(accountId, videoId, format.extensions[0]);
  // Step 10, money: the indexing estimate is held before any URL exists (INSUFFICIENT_CREDITS otherwise).
  const reservedMicros = indexingEstimateMicros(declared.sizeBytes);
  const multipart = allowMultipart && declared.sizeBytes > config.FRAMESEEK_SINGLE_PUT_MAX_BYTES;
  const partSize = config.FRAMESEEK_MULTIPART_PART_BYTES;
  const upload: UploadRecord = {
    upload_id: newId('upload'),
    account_id: accountId,
    collection_id: declared.collectionId,
    video_id: videoId,
    job_id: newId('job'),
    method: multipart ? 'multipart' : 'PUT',
    source_key: key,
    content_type: format.contentType,
    size_bytes: declared.sizeBytes,
    part_size: multipart ? partSize : null,
    parts_count: multipart ? Math.ceil(declared.sizeBytes / partSize) : null,
    storage_upload_id: multipart ? await startMultipart(key, format.contentType) : null,
    status: 'awaiting_bytes',
    expires_at_iso: new Date(createdAt.getTime() + config.FRAMESEEK_UPLOAD_TTL_SECS * 1000).toISOString(),
    created_at: createdAt.toISOString(),
  };
  const video = newUploadingVideo({
    video_id: videoId,
    account_id: accountId,
    collection_id: declared.collectionId,
    job_id: upload.job_id,
    upload_id: upload.upload_id,
    filename: declared.filename,
    mime_type: format.contentType,
    container: format.container,
    source_key: key,
    declared_size_bytes: declared.sizeBytes,
    webhook_url: declared.webhookUrl ?? null,
    created_at: upload.created_at,
    reserved_indexing_micros: reservedMicros,
    sha256: declared.sha256 ?? null,
  });
  const job = newQueuedJob(video, 'awaiting_bytes');
  try {
    await createUploadWithHold({ upload, video, job, storageLimitBytes: limits.storage_limit_bytes }, reservedMicros);
  } catch (error) {
    if (upload.storage_upload_id) await abortMultipart(key, upload.storage_upload_id);
    throw error;
  }
  throwIfArmed('upload_interrupted');
  return { upload, duplicateOf };
}

/** POST /v1/uploads: a presigned PUT bound to the declared length and type, or presigned parts above the single-PUT size. */
export async function createPresignedUpload(accountId: string, declared: DeclaredUpload): Promise<{ ticket: UploadTicket; duplicateOf: DuplicateOf | null }> {
  const { upload, duplicateOf } = await openUpload(accountId, declared, true);
  return { ticket: await ticketOf(upload), duplicateOf };
}

async function ticketOf(upload: UploadRecord): Promise<UploadTicket> {
  const ticket = { upload_id: upload.upload_id, video_id: upload.video_id, job_id: upload.job_id, expires_at: upload.expires_at_iso, method: 'PUT' as const };
  if (upload.method === 'PUT') {
    return {
      ...ticket,
      url: await presignPut(upload.source_key, upload.content_type, upload.size_bytes, config.FRAMESEEK_UPLOAD_TTL_SECS),
      headers: { 'Content-Type': upload.content_type, 'Content-Length': String(upload.size_bytes) },
    };
  }
  const partNumbers = Array.from({ length: upload.parts_count ?? 0 }, (_, index) => index + 1);
  return { ...ticket, multipart: { part_size: upload.part_size ?? 0, parts: await partUrls(upload, partNumbers) } };
}

/** POST /v1/upload: a small file sent through the API itself; stored, then ingested like any other. */
export async function createDirectUpload(
  accountId: string,
  collectionId: string,
  file: UploadedFile,
  webhookUrl: string | undefined,
): Promise<{ queued: { job_id: string; video_id: string; status: 'queued' }; duplicateOf: DuplicateOf | null }> {
  await requireCollection(accountId, collectionId);
  if (file.truncated) {
    throw new AppError('UPLOAD_TOO_LARGE', 'This route takes files up to 4 MB; upload larger files with POST /v1/uploads (presigned, up to 5 GB)', {
      limit: DIRECT_UPLOAD_MAX_BYTES,
    });
  }
  const contentType = contentTypeOfFile({ filename: file.filename, contentType: file.contentType, head: file.bytes.subarray(0, SNIFF_BYTES) });
  // The bytes are here, so the content hash is ours to compute rather than the client's to declare.
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  const { upload, duplicateOf } = await openUpload(
    accountId,
    { collectionId, filename: file.filename, sizeBytes: file.bytes.length, contentType, webhookUrl, sha256 },
    false,
  );
  await putObject(upload.source_key, file.bytes, upload.content_type);
  return { queued: { job_id: upload.job_id, video_id: upload.video_id, status: 'queued' }, duplicateOf };
}

async function requireUpload(accountId: string, uploadId: string): Promise<UploadRecord> {
  const upload = await getUploadRecord(accountId, uploadId);
  if (!upload) throw new AppError('UPLOAD_NOT_FOUND');
  return upload;
}

/** GET /v1/uploads/{id}: where an upload stands; for multipart, fresh URLs for the parts still missing. */
export async function describeUpload(accountId: string, uploadId: string): Promise<UploadState> {
  const upload = await requireUpload(accountId, uploadId);
  const state: UploadState = {
    upload_id: upload.upload_id,
    video_id: upload.video_id,
    job_id: upload.job_id,
    status: upload.status,
    expires_at: upload.expires_at_iso,
  };
  if (upload.method !== 'multipart' || !upload.storage_upload_id || upload.status !== 'awaiting_bytes') return state;
  const received = await listStoredParts(upload.source_key, upload.storage_upload_id);
  // Gone: complete has assembled the parts (ingest has not marked the session yet), or it was aborted under us.
  if (!received) return (await storedSize(upload.source_key)) === undefined ? state : { ...state, status: 'complete' };
  const receivedNumbers = new Set(received.filter((part) => part.size === partLength(upload, part.partNumber)).map((part) => part.partNumber));
  const missing = Array.from({ length: upload.parts_count ?? 0 }, (_, index) => index + 1).filter((number) => !receivedNumbers.has(number));
  return {
    ...state,
    parts_received: [...receivedNumbers].sort((a, b) => a - b),
    multipart: { part_size: upload.part_size ?? 0, parts: await partUrls(upload, missing) },
  };
}

/**
 * POST /v1/uploads/{id}/complete: for multipart, checks every part is stored (and matches the
 * client's ETags when given) and assembles the object, which starts ingest. Safe to repeat.
 */
export async function completeUpload(
  accountId: string,
  uploadId: string,
  claimedParts: ReadonlyArray<{ part_number: number; etag: string }> | undefined,
): Promise<{ job_id: string; video_id: string; status: 'queued' }> {
  const upload = await requireUpload(accountId, uploadId);
  const answer = { job_id: upload.job_id, video_id: upload.video_id, status: 'queued' as const };
  if (upload.status === 'aborted' || upload.status === 'expired') throw new AppError('UPLOAD_NOT_FOUND', `This upload was ${upload.status}; start a new one`);
  if (upload.status === 'complete') return answer;

  if (upload.method === 'PUT' || !upload.storage_upload_id) {
    if ((await storedSize(upload.source_key)) === undefined)
      throw new AppError('UPLOAD_INCOMPLETE', 'No bytes have arrived yet: PUT the file to the upload URL first');
    return answer;
  }
  if ((await storedSize(upload.source_key)) !== undefined) return answer;

  const stored = new Map(((await listStoredParts(upload.source_key, upload.storage_upload_id)) ?? []).map((part) => [part.partNumber, part]));
  const expected = Array.from({ length: upload.parts_count ?? 0 }, (_, index) => index + 1);
  const missing = expected.filter((number) => stored.get(number)?.size !== partLength(upload, number));
  if (missing.length > 0) {
    throw new AppError('UPLOAD_INCOMPLETE', `Parts not yet stored in full: ${missing.join(', ')}; GET /v1/uploads/${uploadId} for fresh URLs`);
  }
  for (const claimed of claimedParts ?? []) {
    const actual = stored.get(claimed.part_number);
    if (!actual || actual.etag !== claimed.etag.replaceAll('"', '')) {
      throw new AppError('UPLOAD_INCOMPLETE', `Part ${claimed.part_number} does not match what is stored (ETag differs)`);
    }
  }
  await completeMultipart(
    upload.source_key,
    upload.storage_upload_id,
    expected.map((number) => ({ partNumber: number, etag: stored.get(number)?.etag ?? '' })),
  );
  return answer;
}

/**
 * An upload that will never finish (aborted by the client, or expired): its parts and any bytes
 * go, its reservation is released and its video and job disappear; the session keeps its status.
 */
async function abandon(upload: UploadRecord, status: 'aborted' | 'expired'): Promise<void> {
  if (!(await endUpload(upload, status))) return;
  if (upload.storage_upload_id) await abortMultipart(upload.source_key, upload.storage_upload_id);
  await deletePrefix(videoPrefix(upload.account_id, upload.video_id));
  const video = await getVideoRecord(upload.account_id, upload.video_id);
  if (!video) return;
  await releaseIndexingReservation(video);
  await removeVideoRows(video, { keepUpload: true });
}

/** DELETE /v1/uploads/{id}. */
export async function abortUpload(accountId: string, uploadId: string): Promise<void> {
  const upload = await requireUpload(accountId, uploadId);
  if (upload.status === 'complete') {
    throw new AppError('VALIDATION_ERROR', 'This upload is complete; delete the video with DELETE /v1/videos/{video_id} instead', {
      fields: [{ path: 'upload_id', message: 'upload already complete' }],
    });
  }
  if (upload.status === 'awaiting_bytes') await abandon(upload, 'aborted');
}

/** The daily sweep: every upload session past its expiry that never completed. Returns how many. */
export async function expireStaleUploads(): Promise<number> {
  let expired = 0;
  for (;;) {
    const entries = await listExpiredOpenUploads(now().toISOString(), 100);
    if (entries.length === 0) return expired;
    for (const entry of entries) {
      const upload = await getUploadRecord(entry.account_id, entry.upload_id);
      if (upload?.status === 'awaiting_bytes') {
        await abandon(upload, 'expired');
        expired += 1;
      } else {
        await dropOpenUploadEntry(entry.expires_at_iso, entry.upload_id);
      }
    }
  }
}
