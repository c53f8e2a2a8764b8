import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { getAccount, insertAccount, storageChange } from '#lib/db/accounts';
import { db, tableName } from '#lib/db/client';
import { getCollectionRecord, insertCollection } from '#lib/db/collections';
import { transactConditionally } from '#lib/db/conditions';
import { getJobRecord, newQueuedJob } from '#lib/db/jobs';
import { keys } from '#lib/db/keys';
import { uploadCreationItems } from '#lib/db/upload-creation';
import { getUploadRecord, type UploadRecord } from '#lib/db/uploads';
import {
  batchGetVideos,
  claimVideoForIngest,
  getVideoRecord,
  listVideoRecords,
  markVideoDeleting,
  newUploadingVideo,
  recordFetched,
  recordIngested,
  recordIngestFailure,
  removeVideoRows,
  type ProbedFacts,
  type VideoRecord,
} from '#lib/db/videos';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

const CREATED = '2026-06-01T00:00:00.000Z';
const LATER = '2026-06-01T00:10:00.000Z';

let accounts = 0;
/** An account with one active collection, `col_main`. */
async function accountWithCollection(): Promise<string> {
  accounts += 1;
  const accountId = `acc_videos${accounts}`;
  await insertAccount({ account_id: accountId, email: `${accountId}@example.com`, password_hash: 'x', plan: 'free', created_at: CREATED });
  await insertCollection({
    collection_id: 'col_main',
    account_id: accountId,
    name: 'Main',
    name_key: 'main',
    status: 'active',
    created_at: CREATED,
    updated_at: CREATED,
    video_count: 0,
    total_duration_secs: 0,
    storage_bytes: 0,
  });
  return accountId;
}

function uploadingVideo(accountId: string, videoId: string, declaredBytes: number): VideoRecord {
  return newUploadingVideo({
    video_id: videoId,
    account_id: accountId,
    collection_id: 'col_main',
    job_id: `job_of_${videoId}`,
    upload_id: `upl_of_${videoId}`,
    filename: `${videoId}.mp4`,
    mime_type: 'video/mp4',
    container: 'mp4',
    source_key: `videos/${accountId}/${videoId}/source.mp4`,
    declared_size_bytes: declaredBytes,
    webhook_url: null,
    created_at: CREATED,
    reserved_indexing_micros: 0,
    sha256: null,
  });
}

/** Creates the upload as the upload route does (video, job, session, expiry entry) and reserves its declared bytes. */
async function uploadVideo(accountId: string, videoId: string, declaredBytes = 1_000): Promise<VideoRecord> {
  const video = uploadingVideo(accountId, videoId, declaredBytes);
  const upload: UploadRecord = {
    upload_id: video.upload_id,
    account_id: accountId,
    collection_id: 'col_main',
    video_id: videoId,
    job_id: video.job_id,
    method: 'PUT',
    source_key: video.source_key,
    content_type: 'video/mp4',
    size_bytes: declaredBytes,
    part_size: null,
    parts_count: null,
    storage_upload_id: null,
    status: 'awaiting_bytes',
    expires_at_iso: '2026-06-02T00:00:00.000Z',
    created_at: CREATED,
  };
  const failed = await transactConditionally([
    ...uploadCreationItems(upload, { ...video, reserved_trial_micros: 0 }, newQueuedJob(video, 'waiting_for_upload'), `evt_${video.video_id}`),
    storageChange(accountId, declaredBytes),
  ]);
  if (failed.length > 0) throw new Error(`upload not created: ${failed.join(',')}`);
  return video;
}

const FACTS: ProbedFacts = {
  file_size_bytes: 800,
  duration_secs: 42.5,
  width: 1280,
  height: 720,
  fps: 30,
  codec: 'h264',
  has_audio: true,
  mime_type: 'video/mp4',
  chunks_total: 1,
};

describe('videos of an account', () => {
  it('makes an uploading video that reserves its declared bytes and counts nothing in its collection yet', () => {
    // Act
    const video = uploadingVideo('acc_v0', 'vid_1', 5_000);

    // Assert
    expect(video).toMatchObject({
      status: 'uploading',
      file_size_bytes: null,
      duration_secs: null,
      width: null,
      height: null,
      fps: null,
      codec: null,
      counted_account_bytes: 5_000,
      counted_collection_bytes: 0,
      counted_collection_secs: 0,
      updated_at: CREATED,
    });
  });

  it("reads a video by id; an unknown id or another account's video is undefined", async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const otherAccountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01');

    // Act
    const found = await getVideoRecord(accountId, 'vid_01');

    // Assert
    expect(found).toEqual({ ...keys.video(accountId, 'vid_01'), ...keys.videoIndex('col_main', 'vid_01'), ...video, reserved_trial_micros: 0 });
    expect(await getVideoRecord(accountId, 'vid_99')).toBeUndefined();
    expect(await getVideoRecord(otherAccountId, 'vid_01')).toBeUndefined();
  });

  it("reads several videos at once, leaving out unknown ids and another account's videos", async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const otherAccountId = await accountWithCollection();
    await uploadVideo(accountId, 'vid_01');
    await uploadVideo(accountId, 'vid_02');
    await uploadVideo(otherAccountId, 'vid_03');

    // Act
    const found = await batchGetVideos(accountId, ['vid_02', 'vid_missing', 'vid_03', 'vid_01']);

    // Assert
    expect(found.map((video) => video.video_id).sort()).toEqual(['vid_01', 'vid_02']);
    expect(await batchGetVideos(accountId, [])).toEqual([]);
  });

  it("lists one account's videos only, newest first, without its jobs or uploads", async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const otherAccountId = await accountWithCollection();
    for (const videoId of ['vid_01', 'vid_03', 'vid_02']) await uploadVideo(accountId, videoId);
    await uploadVideo(otherAccountId, 'vid_04');

    // Act
    const listed = await listVideoRecords(accountId);

    // Assert
    expect(listed.map((video) => video.video_id)).toEqual(['vid_03', 'vid_02', 'vid_01']);
  });
});

describe('ingest of a stored object', () => {
  it('claims an uploading video once: processing, its job probing; a second claim is refused', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01');

    // Act
    const first = await claimVideoForIngest(video, LATER);
    const second = await claimVideoForIngest(video, '2026-06-01T00:11:00.000Z');

    // Assert
    expect([first, second]).toEqual([true, false]);
    expect(await getVideoRecord(accountId, 'vid_01')).toMatchObject({ status: 'processing', updated_at: LATER });
    expect(await getJobRecord(accountId, video.job_id)).toMatchObject({ stage: 'probing', updated_at: LATER });
  });

  it('refuses the claim of a video being deleted, and of one whose job is gone, changing neither', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const deleting = await uploadVideo(accountId, 'vid_01');
    await markVideoDeleting(deleting, undefined, LATER);
    const jobless = await uploadVideo(accountId, 'vid_02');
    await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.video(accountId, 'vid_02'), ...jobless, job_id: 'job_never_written' } }));

    // Act
    const claimedDeleting = await claimVideoForIngest(deleting, LATER);
    const claimedJobless = await claimVideoForIngest({ ...jobless, job_id: 'job_never_written' }, LATER);

    // Assert
    expect([claimedDeleting, claimedJobless]).toEqual([false, false]);
    expect((await getVideoRecord(accountId, 'vid_01'))?.status).toBe('deleting');
    expect((await getVideoRecord(accountId, 'vid_02'))?.status).toBe('uploading');
    expect(await storedItem(keys.job(accountId, 'job_never_written'))).toBeUndefined();
  });

  it("records the probed facts: the account's reservation becomes the real size, the collection grows, the job waits for the indexer", async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01', 1_000);
    await claimVideoForIngest(video, LATER);

    // Act
    await recordIngested({ ...video, status: 'processing' }, FACTS, LATER);

    // Assert
    expect(await getVideoRecord(accountId, 'vid_01')).toMatchObject({
      status: 'processing',
      file_size_bytes: 800,
      duration_secs: 42.5,
      width: 1280,
      height: 720,
      fps: 30,
      codec: 'h264',
      has_audio: true,
      counted_account_bytes: 800,
      counted_collection_bytes: 800,
      counted_collection_secs: 42.5,
    });
    expect(await getJobRecord(accountId, video.job_id)).toMatchObject({ status: 'pending', stage: 'waiting_for_indexer', chunks_total: 1 });
    expect((await getAccount(accountId))?.storage_bytes).toBe(800);
    expect(await getCollectionRecord(accountId, 'col_main')).toMatchObject({ video_count: 1, storage_bytes: 800, total_duration_secs: 42.5 });
  });

  it('records the facts once: a twin delivery changes no counter again', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01', 1_000);
    await claimVideoForIngest(video, LATER);
    await recordIngested({ ...video, status: 'processing' }, FACTS, LATER);

    // Act
    await recordIngested({ ...video, status: 'processing' }, FACTS, '2026-06-01T00:12:00.000Z');

    // Assert
    expect((await getAccount(accountId))?.storage_bytes).toBe(800);
    expect(await getCollectionRecord(accountId, 'col_main')).toMatchObject({ storage_bytes: 800, total_duration_secs: 42.5 });
    expect((await getVideoRecord(accountId, 'vid_01'))?.updated_at).toBe(LATER);
  });

  it("fails a refused video and its job with the code, gives the account's storage back, once", async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01', 1_000);
    await claimVideoForIngest(video, LATER);
    const error = { code: 'UNSUPPORTED_FORMAT' as const, message: 'The file has no video stream' };

    // Act
    const eventId = await recordIngestFailure({ ...video, status: 'processing' }, error, LATER);
    const repeat = await recordIngestFailure({ ...video, status: 'processing' }, error, '2026-06-01T00:12:00.000Z');

    // Assert
    expect(await getVideoRecord(accountId, 'vid_01')).toMatchObject({ status: 'failed', counted_account_bytes: 0, updated_at: LATER });
    expect(await getJobRecord(accountId, video.job_id)).toMatchObject({ status: 'failed', stage: 'probing', error, updated_at: LATER });
    // The job.failed event carries the job as GET /v1/jobs/{id} answers it: the message as `error`, the code beside it.
    expect(repeat).toBeUndefined();
    expect((await storedItem(keys.accountEvent(accountId, eventId ?? 'none')))?.data).toEqual({
      id: video.job_id,
      job_id: video.job_id,
      user_id: accountId,
      video_id: 'vid_01',
      collection_id: video.collection_id,
      status: 'failed',
      stage: 'probing',
      progress_pct: 0,
      error: 'The file has no video stream',
      error_code: 'UNSUPPORTED_FORMAT',
      created_at: video.created_at,
      updated_at: LATER,
    });
    expect((await getAccount(accountId))?.storage_bytes).toBe(0);
  });

  it('fails a URL upload still fetching at the fetching stage; a video not in the expected state is left alone', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const fetching = await uploadVideo(accountId, 'vid_01', 0);
    const claimed = await uploadVideo(accountId, 'vid_02', 500);
    await claimVideoForIngest(claimed, LATER);
    const error = { code: 'PLAN_LIMIT_EXCEEDED' as const, message: 'Too large for the plan' };

    // Act
    await recordIngestFailure(fetching, error, LATER, 'uploading');
    await recordIngestFailure(claimed, error, LATER, 'uploading');

    // Assert
    expect((await getVideoRecord(accountId, 'vid_01'))?.status).toBe('failed');
    expect(await getJobRecord(accountId, fetching.job_id)).toMatchObject({ status: 'failed', stage: 'fetching', error });
    expect((await getVideoRecord(accountId, 'vid_02'))?.status).toBe('processing');
    expect((await getJobRecord(accountId, claimed.job_id))?.status).toBe('queued');
    expect((await getAccount(accountId))?.storage_bytes).toBe(500);
  });
});

describe('a source URL fetched into staging', () => {
  it('reserves the fetched size under the plan limit and gives the video its size, format and key', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01', 0);

    // Act
    const reserved = await recordFetched(video, { sizeBytes: 700, sourceKey: 'videos/k/source.webm', container: 'webm', mimeType: 'video/webm' }, 1_000, LATER);

    // Assert
    expect(reserved).toBe('reserved');
    expect(await getVideoRecord(accountId, 'vid_01')).toMatchObject({
      declared_size_bytes: 700,
      counted_account_bytes: 700,
      source_key: 'videos/k/source.webm',
      container: 'webm',
      mime_type: 'video/webm',
      updated_at: LATER,
    });
    expect((await getAccount(accountId))?.storage_bytes).toBe(700);
  });

  it('answers over_limit past the plan limit and writes nothing', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    await uploadVideo(accountId, 'vid_other', 600);
    const video = await uploadVideo(accountId, 'vid_01', 0);

    // Act
    const reserved = await recordFetched(video, { sizeBytes: 500, sourceKey: 'videos/k/source.mp4', container: 'mp4', mimeType: 'video/mp4' }, 1_000, LATER);

    // Assert
    expect(reserved).toBe('over_limit');
    expect(await getVideoRecord(accountId, 'vid_01')).toMatchObject({ declared_size_bytes: 0, counted_account_bytes: 0, source_key: video.source_key });
    expect((await getAccount(accountId))?.storage_bytes).toBe(600);
  });

  it('reserves a fetched video once: a repeat takes no more storage', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01', 0);
    const fetched = { sizeBytes: 300, sourceKey: 'videos/k/source.mp4', container: 'mp4', mimeType: 'video/mp4' };
    await recordFetched(video, fetched, 10_000, LATER);

    // Act (whatever it answers: see the next test)
    await Promise.allSettled([recordFetched(video, fetched, 10_000, '2026-06-01T00:12:00.000Z')]);

    // Assert
    expect((await getAccount(accountId))?.storage_bytes).toBe(300);
    expect((await getVideoRecord(accountId, 'vid_01'))?.updated_at).toBe(LATER);
  });

  // A repeat may fail the limit too (by its own first reservation): it must not read as a plan-limit refusal.
  it('answers a repeat for a video already reserved as settled before, never as past the plan limit', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01', 0);
    const fetched = { sizeBytes: 600, sourceKey: 'videos/k/source.mp4', container: 'mp4', mimeType: 'video/mp4' };
    await recordFetched(video, fetched, 1_000, LATER);

    // Act
    const [repeat] = await Promise.allSettled([recordFetched(video, fetched, 1_000, '2026-06-01T00:12:00.000Z')]);

    // Assert
    expect(repeat).toEqual({ status: 'fulfilled', value: 'settled_before' });
    expect((await getAccount(accountId))?.storage_bytes).toBe(600);
  });
});

describe('deleting a video', () => {
  it("marks it deleting and moves the account's videos_epoch; a video already gone is not written back", async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01');
    const epochBefore = (await getAccount(accountId))?.videos_epoch ?? 0;

    // Act
    await markVideoDeleting(video, undefined, LATER);
    await markVideoDeleting(uploadingVideo(accountId, 'vid_gone', 1_000), undefined, LATER);

    // Assert
    expect(await getVideoRecord(accountId, 'vid_01')).toMatchObject({ status: 'deleting', updated_at: LATER });
    expect(await storedItem(keys.video(accountId, 'vid_gone'))).toBeUndefined();
    expect((await getAccount(accountId))?.videos_epoch).toBe(epochBefore + 1);
  });

  it('removes video, job and upload session and gives back exactly what it counted, once', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    await uploadVideo(accountId, 'vid_keep', 100);
    const video = await uploadVideo(accountId, 'vid_01', 1_000);
    await claimVideoForIngest(video, LATER);
    await recordIngested({ ...video, status: 'processing' }, FACTS, LATER);
    const ingested = await getVideoRecord(accountId, 'vid_01');
    if (!ingested) throw new Error('video not stored');
    await markVideoDeleting(ingested, undefined, LATER);

    // Act
    await removeVideoRows(ingested);
    await removeVideoRows(ingested);

    // Assert
    expect(await getVideoRecord(accountId, 'vid_01')).toBeUndefined();
    expect(await getJobRecord(accountId, video.job_id)).toBeUndefined();
    expect(await getUploadRecord(accountId, video.upload_id)).toBeUndefined();
    expect((await getAccount(accountId))?.storage_bytes).toBe(100);
    expect(await getCollectionRecord(accountId, 'col_main')).toMatchObject({ video_count: 1, storage_bytes: 0, total_duration_secs: 0 });
    expect(await getVideoRecord(accountId, 'vid_keep')).toBeDefined();
  });

  it('keeps the upload session when asked, so an abandoned upload still answers its status', async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01', 1_000);

    // Act
    await removeVideoRows(video, { keepUpload: true });

    // Assert
    expect(await getVideoRecord(accountId, 'vid_01')).toBeUndefined();
    expect(await getUploadRecord(accountId, video.upload_id)).toMatchObject({ upload_id: video.upload_id });
    expect((await getAccount(accountId))?.storage_bytes).toBe(0);
    expect((await getCollectionRecord(accountId, 'col_main'))?.video_count).toBe(0);
  });

  it("still removes the video and gives the account's storage back when its collection is already gone", async () => {
    // Arrange
    const accountId = await accountWithCollection();
    const video = await uploadVideo(accountId, 'vid_01', 1_000);
    const epochBefore = (await getAccount(accountId))?.videos_epoch ?? 0;
    await transactConditionally([{ Delete: { TableName: tableName, Key: keys.collection(accountId, 'col_main') } }]);

    // Act
    await removeVideoRows(video);

    // Assert
    expect(await getVideoRecord(accountId, 'vid_01')).toBeUndefined();
    expect(await getJobRecord(accountId, video.job_id)).toBeUndefined();
    expect((await getAccount(accountId))?.storage_bytes).toBe(0);
    expect((await getAccount(accountId))?.videos_epoch).toBe(epochBefore + 1);
    expect(await storedItem(keys.collection(accountId, 'col_main'))).toBeUndefined();
  });
});
