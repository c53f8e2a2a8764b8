import { describe, expect, it } from 'vitest';
import { insertCollection, getCollectionRecord, markCollectionDeleting, type CollectionRecord } from '#lib/db/collections';
import { transactConditionally } from '#lib/db/conditions';
import { newQueuedJob, type JobRecord } from '#lib/db/jobs';
import { keys } from '#lib/db/keys';
import { uploadCreationItems } from '#lib/db/upload-creation';
import type { UploadRecord } from '#lib/db/uploads';
import { newUploadingVideo, type VideoRecord } from '#lib/db/videos';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

const CREATED = '2026-07-01T00:00:00.000Z';
const EXPIRES = '2026-07-02T00:00:00.000Z';

function collectionRecord(accountId: string, collectionId: string): CollectionRecord {
  return {
    collection_id: collectionId,
    account_id: accountId,
    name: collectionId,
    name_key: collectionId,
    status: 'active',
    created_at: CREATED,
    updated_at: CREATED,
    video_count: 0,
    total_duration_secs: 0,
    storage_bytes: 0,
  };
}

interface NewUploadRows {
  upload: UploadRecord;
  video: VideoRecord & { reserved_trial_micros: number };
  job: JobRecord;
}

function newUpload(accountId: string, collectionId: string, suffix: string): NewUploadRows {
  const video = {
    ...newUploadingVideo({
      video_id: `vid_${suffix}`,
      account_id: accountId,
      collection_id: collectionId,
      job_id: `job_${suffix}`,
      upload_id: `upl_${suffix}`,
      filename: 'clip.mp4',
      mime_type: 'video/mp4',
      container: 'mp4',
      source_key: `videos/${accountId}/vid_${suffix}/source.mp4`,
      declared_size_bytes: 2_000,
      webhook_url: null,
      created_at: CREATED,
      reserved_indexing_micros: 50_000,
      sha256: null,
    }),
    reserved_trial_micros: 20_000,
  };
  const upload: UploadRecord = {
    upload_id: `upl_${suffix}`,
    account_id: accountId,
    collection_id: collectionId,
    video_id: video.video_id,
    job_id: video.job_id,
    method: 'PUT',
    source_key: video.source_key,
    content_type: 'video/mp4',
    size_bytes: 2_000,
    part_size: null,
    parts_count: null,
    storage_upload_id: null,
    status: 'awaiting_bytes',
    expires_at_iso: EXPIRES,
    created_at: CREATED,
  };
  return { upload, video, job: newQueuedJob(video, 'waiting_for_upload') };
}

let events = 0;
const nextEventId = () => `evt_upload_creation_${(events += 1)}`;

describe('uploadCreationItems (the rows an upload is created with)', () => {
  it('writes video, job, upload session and expiry entry, each findable by its collection, and counts the video', async () => {
    // Arrange
    await insertCollection(collectionRecord('acc_uc1', 'col_01'));
    const { upload, video, job } = newUpload('acc_uc1', 'col_01', 'a');

    // Act
    const failed = await transactConditionally(uploadCreationItems(upload, video, job, nextEventId()));

    // Assert
    expect(failed).toEqual([]);
    expect(await storedItem(keys.video('acc_uc1', 'vid_a'))).toEqual({ ...keys.video('acc_uc1', 'vid_a'), ...keys.videoIndex('col_01', 'vid_a'), ...video });
    expect(await storedItem(keys.job('acc_uc1', 'job_a'))).toEqual({ ...keys.job('acc_uc1', 'job_a'), ...keys.jobIndex('col_01', 'job_a'), ...job });
    expect(await storedItem(keys.upload('acc_uc1', 'upl_a'))).toEqual({
      ...keys.upload('acc_uc1', 'upl_a'),
      ...keys.uploadIndex('col_01', 'upl_a'),
      ...upload,
    });
    expect(await storedItem(keys.openUpload(EXPIRES, 'upl_a'))).toEqual({
      ...keys.openUpload(EXPIRES, 'upl_a'),
      account_id: 'acc_uc1',
      upload_id: 'upl_a',
      expires_at_iso: EXPIRES,
    });
    expect((await getCollectionRecord('acc_uc1', 'col_01'))?.video_count).toBe(1);
  });

  it('is refused at the collection item (index 0) for a collection being deleted, and writes nothing', async () => {
    // Arrange
    const collection = collectionRecord('acc_uc2', 'col_01');
    await insertCollection(collection);
    await markCollectionDeleting(collection, CREATED);
    const { upload, video, job } = newUpload('acc_uc2', 'col_01', 'b');

    // Act
    const failed = await transactConditionally(uploadCreationItems(upload, video, job, nextEventId()));

    // Assert
    expect(failed).toEqual([1]); // the collection (after video.created in the outbox)
    expect(await storedItem(keys.video('acc_uc2', 'vid_b'))).toBeUndefined();
    expect(await storedItem(keys.job('acc_uc2', 'job_b'))).toBeUndefined();
    expect(await storedItem(keys.upload('acc_uc2', 'upl_b'))).toBeUndefined();
    expect(await storedItem(keys.openUpload(EXPIRES, 'upl_b'))).toBeUndefined();
    expect((await getCollectionRecord('acc_uc2', 'col_01'))?.video_count).toBe(0);
  });

  it("is refused at the collection item for an unknown collection or another account's, and leaves no stub collection", async () => {
    // Arrange
    await insertCollection(collectionRecord('acc_uc3_other', 'col_theirs'));
    const unknown = newUpload('acc_uc3', 'col_missing', 'c');
    const theirs = newUpload('acc_uc3', 'col_theirs', 'd');

    // Act
    const failedUnknown = await transactConditionally(uploadCreationItems(unknown.upload, unknown.video, unknown.job, nextEventId()));
    const failedTheirs = await transactConditionally(uploadCreationItems(theirs.upload, theirs.video, theirs.job, nextEventId()));

    // Assert
    expect([failedUnknown, failedTheirs]).toEqual([[1], [1]]);
    expect(await storedItem(keys.collection('acc_uc3', 'col_missing'))).toBeUndefined();
    expect(await storedItem(keys.video('acc_uc3', 'vid_d'))).toBeUndefined();
    expect((await getCollectionRecord('acc_uc3_other', 'col_theirs'))?.video_count).toBe(0);
  });

  it('never overwrites an existing video: the same rows a second time are refused and counted once', async () => {
    // Arrange
    await insertCollection(collectionRecord('acc_uc4', 'col_01'));
    const { upload, video, job } = newUpload('acc_uc4', 'col_01', 'e');
    await transactConditionally(uploadCreationItems(upload, video, job, nextEventId()));

    // Act
    const failed = await transactConditionally(uploadCreationItems(upload, { ...video, filename: 'other.mp4' }, job, nextEventId()));

    // Assert
    expect(failed).toEqual([2, 3, 4]);
    expect((await storedItem(keys.video('acc_uc4', 'vid_e')))?.filename).toBe('clip.mp4');
    expect((await getCollectionRecord('acc_uc4', 'col_01'))?.video_count).toBe(1);
  });
});
