import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { failedConditionIndexes, transactConditionally } from '#lib/db/conditions';
import { storageChange } from '#lib/db/accounts';
import { AppError } from '#lib/errors';
import type { JobRecord, VideoRecord } from '#lib/db/videos';

export type UploadStatus = 'awaiting_bytes' | 'complete' | 'aborted' | 'expired';

export interface UploadRecord {
  upload_id: string;
  account_id: string;
  collection_id: string;
  video_id: string;
  job_id: string;
  method: 'PUT' | 'multipart' | 'url';
  /** For `url` uploads: where the bytes are fetched from. */
  source_url?: string | null;
  source_key: string;
  content_type: string;
  size_bytes: number;
  part_size: number | null;
  parts_count: number | null;
  storage_upload_id: string | null;
  status: UploadStatus;
  expires_at_iso: string;
  created_at: string;
}

/**
 * One transaction creates everything an upload needs, or nothing: the storage reservation under
 * the plan limit, the video (uploading), its job (queued), the upload session, its entry in the
 * expiry index, and the collection's video count (while the collection is still active).
 */
export async function insertUpload(upload: UploadRecord, video: VideoRecord, job: JobRecord, storageLimitBytes: number): Promise<void> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          storageChange(upload.account_id, upload.size_bytes, storageLimitBytes),
          {
            Update: {
              TableName: tableName,
              Key: keys.collection(upload.account_id, upload.collection_id),
              UpdateExpression: 'ADD video_count :one',
              ConditionExpression: '#status = :active',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':one': 1, ':active': 'active' },
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.video(video.account_id, video.video_id), ...keys.videoIndex(video.collection_id, video.video_id), ...video },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.job(job.account_id, job.job_id), ...keys.jobIndex(job.collection_id, job.job_id), ...job },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.upload(upload.account_id, upload.upload_id), ...keys.uploadIndex(upload.collection_id, upload.upload_id), ...upload },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: {
                ...keys.openUpload(upload.expires_at_iso, upload.upload_id),
                account_id: upload.account_id,
                upload_id: upload.upload_id,
                expires_at_iso: upload.expires_at_iso,
              },
            },
          },
        ],
      }),
    );
  } catch (error) {
    const failed = failedConditionIndexes(error);
    if (failed?.includes(0)) throw storageLimitError(storageLimitBytes);
    if (failed?.includes(1)) throw new AppError('COLLECTION_NOT_FOUND');
    throw error;
  }
}

export function storageLimitError(limitBytes: number, usedBytes?: number): AppError {
  return new AppError(
    'PLAN_LIMIT_EXCEEDED',
    `This upload would take your storage past the plan's ${(limitBytes / 1e6).toFixed(0)} MB limit; delete videos or upgrade`,
    {
      limit: limitBytes,
      ...(usedBytes === undefined ? {} : { used: usedBytes }),
    },
  );
}

export async function getUploadRecord(accountId: string, uploadId: string): Promise<UploadRecord | undefined> {
  const result = await db.send(new GetCommand({ TableName: tableName, Key: keys.upload(accountId, uploadId), ConsistentRead: true }));
  return result.Item as UploadRecord | undefined;
}

/** Ends an open upload session (complete, aborted or expired) and takes it off the expiry index. */
export async function endUpload(upload: UploadRecord, status: Exclude<UploadStatus, 'awaiting_bytes'>): Promise<boolean> {
  return (
    (
      await transactConditionally([
        {
          Update: {
            TableName: tableName,
            Key: keys.upload(upload.account_id, upload.upload_id),
            UpdateExpression: 'SET #status = :status',
            ConditionExpression: '#status = :open',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': status, ':open': 'awaiting_bytes' },
          },
        },
        { Delete: { TableName: tableName, Key: keys.openUpload(upload.expires_at_iso, upload.upload_id) } },
      ])
    ).length === 0
  );
}

export interface OpenUploadEntry {
  account_id: string;
  upload_id: string;
  expires_at_iso: string;
}

/** Open uploads whose time ran out before `isoTime`, oldest first. */
export async function listExpiredOpenUploads(isoTime: string, limit: number): Promise<OpenUploadEntry[]> {
  const { PK, SKBefore } = keys.openUploadsBefore(isoTime);
  const page = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND SK < :before',
      ExpressionAttributeValues: { ':pk': PK, ':before': SKBefore },
      Limit: limit,
    }),
  );
  return (page.Items ?? []) as OpenUploadEntry[];
}

/** An index entry whose upload no longer exists (its video was deleted): nothing left to sweep. */
export async function dropOpenUploadEntry(expiresAtIso: string, uploadId: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName, Key: keys.openUpload(expiresAtIso, uploadId) }));
}
