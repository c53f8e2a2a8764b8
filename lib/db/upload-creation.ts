import { tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import type { TransactionItem } from '#lib/db/ledger';
import type { UploadRecord } from '#lib/db/uploads';
import type { VideoRecord } from '#lib/db/videos';
import type { JobRecord } from '#lib/db/jobs';
import { outboxEventPut } from '#lib/db/events';
import { videoEventData } from '#lib/db/videos';

/**
 * The items that create an upload, for the transaction that also holds its indexing estimate and
 * reserves its storage on the account item (lib/billing/metering.ts createUploadWithHold): the
 * collection's video count (only while the collection is active — the one condition that can
 * fail, meaning the collection is gone), the video (uploading), its job (queued), the upload
 * session and its entry in the expiry index the daily sweep reads; and `video.created` in the outbox.
 */
export function uploadCreationItems(
  upload: UploadRecord,
  video: VideoRecord & { reserved_trial_micros: number },
  job: JobRecord,
  createdEventId: string,
): TransactionItem[] {
  return [
    outboxEventPut(video.account_id, createdEventId, 'video.created', videoEventData(video, job), video.created_at),
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
  ];
}
