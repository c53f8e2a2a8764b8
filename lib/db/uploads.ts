import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { transactConditionally } from '#lib/db/conditions';
import { AppError } from '#lib/errors';

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

/** Open uploads whose time ran out before `isoTime`, oldest first (the oldest `limit` of every shard's). */
export async function listExpiredOpenUploads(isoTime: string, limit: number): Promise<OpenUploadEntry[]> {
  const pages = await Promise.all(
    keys.openUploadsBefore(isoTime).map(async ({ PK, SKBefore }) => {
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk AND SK < :before',
          ExpressionAttributeValues: { ':pk': PK, ':before': SKBefore },
          Limit: limit,
        }),
      );
      return (page.Items ?? []) as (OpenUploadEntry & { SK: string })[];
    }),
  );
  return pages
    .flat()
    .sort((a, b) => (a.SK < b.SK ? -1 : a.SK > b.SK ? 1 : 0))
    .slice(0, limit)
    .map((item) => ({ account_id: item.account_id, upload_id: item.upload_id, expires_at_iso: item.expires_at_iso }));
}

/** An index entry whose upload no longer exists (its video was deleted): nothing left to sweep. */
export async function dropOpenUploadEntry(expiresAtIso: string, uploadId: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: tableName, Key: keys.openUpload(expiresAtIso, uploadId) }));
}
