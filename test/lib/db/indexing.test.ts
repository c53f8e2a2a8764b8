import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/db/client';
import { chunkIsDone, recordChunkDone, recordJobDone, recordJobFailed, recordReindexStarted, recordStepDone, type IndexedFacts } from '#lib/db/indexing';
import { getJobRecord, newQueuedJob, type JobRecord } from '#lib/db/jobs';
import { keys } from '#lib/db/keys';
import { getVideoRecord, newUploadingVideo, type VideoRecord } from '#lib/db/videos';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

const CREATED = '2026-12-01T00:00:00.000Z';
const AT = '2026-12-01T00:30:00.000Z';

const FACTS: IndexedFacts = {
  models: { embedder: 'clip-vit-b32', transcriber: 'whisper-base', text_reader: null },
  segments_count: 12,
  thumbnail_key: 'videos/t/thumb.jpg',
};

/** A video being indexed (ingest done, holding `held` for indexing) and its job, pending. */
async function videoBeingIndexed(accountId: string, overrides: Partial<VideoRecord> = {}): Promise<{ video: VideoRecord; job: JobRecord }> {
  const video: VideoRecord = {
    ...newUploadingVideo({
      video_id: 'vid_1',
      account_id: accountId,
      collection_id: 'col_1',
      job_id: 'job_1',
      upload_id: 'upl_1',
      filename: 'clip.mp4',
      mime_type: 'video/mp4',
      container: 'mp4',
      source_key: `videos/${accountId}/vid_1/source.mp4`,
      declared_size_bytes: 1_000,
      webhook_url: 'https://hooks.example.com/frameseek',
      created_at: CREATED,
      reserved_indexing_micros: 7_000,
      sha256: null,
    }),
    status: 'processing',
    duration_secs: 600,
    ...overrides,
  };
  const job: JobRecord = { ...newQueuedJob({ ...video, job_id: video.job_id }, 'waiting_for_indexer'), status: 'pending', chunks_total: 2 };
  await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.video(accountId, video.video_id), ...video } }));
  await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.job(accountId, job.job_id), ...job } }));
  return { video, job };
}

describe('steps and chunks of a running job', () => {
  it('counts each step once, moving the job to processing with its stage and progress below 100', async () => {
    // Arrange
    const { job } = await videoBeingIndexed('acc_i1');

    // Act
    await recordStepDone(job, '0:transcribe', 'transcribe', 4, AT);
    await recordStepDone(job, '0:transcribe', 'transcribe', 4, AT);
    await recordStepDone(job, '1:embed', 'embed', 4, AT);

    // Assert
    const stored = await getJobRecord('acc_i1', 'job_1');
    expect(stored).toMatchObject({ status: 'processing', stage: 'embed', progress_pct: 49, updated_at: AT });
    expect(stored?.steps_done).toEqual(new Set(['0:transcribe', '1:embed']));
  });

  it('never lets progress fall, and holds it at 99 until the job is done', async () => {
    // Arrange
    const { job } = await videoBeingIndexed('acc_i2');
    await recordStepDone(job, '0:a', 'a', 2, AT);
    await recordStepDone(job, '0:b', 'b', 2, AT);
    const whenAllStepsDone = (await getJobRecord('acc_i2', 'job_1'))?.progress_pct;

    // Act
    await recordStepDone(job, '1:a', 'a', 100, AT);

    // Assert
    expect(whenAllStepsDone).toBe(99);
    expect((await getJobRecord('acc_i2', 'job_1'))?.progress_pct).toBe(99);
  });

  it('reports nothing more for a job that already finished', async () => {
    // Arrange
    const { video, job } = await videoBeingIndexed('acc_i3');
    await recordJobDone(video, job, FACTS, 'evt_1', AT);

    // Act
    await recordStepDone(job, '0:late', 'late', 4, '2026-12-01T01:00:00.000Z');

    // Assert
    expect(await getJobRecord('acc_i3', 'job_1')).toMatchObject({ status: 'done', stage: 'done', progress_pct: 100, updated_at: AT });
  });

  it('counts a chunk once however often it is delivered, and says how many are done', async () => {
    // Arrange
    const { job } = await videoBeingIndexed('acc_i4');

    // Act
    const counts = [await recordChunkDone(job, 0, AT), await recordChunkDone(job, 0, AT), await recordChunkDone(job, 1, AT)];

    // Assert
    expect(counts).toEqual([1, 1, 2]);
    const stored = await getJobRecord('acc_i4', 'job_1');
    if (!stored) throw new Error('job not stored');
    expect([chunkIsDone(stored, 0), chunkIsDone(stored, 1), chunkIsDone(stored, 2)]).toEqual([true, true, false]);
    expect(chunkIsDone(job, 0)).toBe(false);
  });

  it('refuses (a failed condition) to count a chunk of a job that is gone, and leaves no stub job', async () => {
    // Act
    const counted = recordChunkDone({ account_id: 'acc_i5', job_id: 'job_gone' }, 0, AT);

    // Assert
    await expect(counted).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await storedItem(keys.job('acc_i5', 'job_gone'))).toBeUndefined();
  });
});

describe('the end of a job', () => {
  it('finishes once: job done at 100 %, video ready with its facts and hold settled, job.completed in the outbox', async () => {
    // Arrange
    const { video, job } = await videoBeingIndexed('acc_i6');

    // Act
    const first = await recordJobDone(video, job, FACTS, 'evt_1', AT);
    const second = await recordJobDone(video, job, FACTS, 'evt_2', '2026-12-01T01:00:00.000Z');

    // Assert
    expect([first, second]).toEqual([true, false]);
    expect(await getJobRecord('acc_i6', 'job_1')).toMatchObject({ status: 'done', stage: 'done', progress_pct: 100, chunks_done: 2, updated_at: AT });
    expect(await getVideoRecord('acc_i6', 'vid_1')).toMatchObject({
      status: 'ready',
      ...FACTS,
      indexed_job_id: 'job_1',
      reserved_indexing_micros: 0,
      updated_at: AT,
    });
    // The event carries the job as GET /v1/jobs/{id} answers it, and the upload's webhook_url beside it for delivery.
    expect(await storedItem(keys.accountEvent('acc_i6', 'evt_1'))).toMatchObject({
      ...keys.accountEvent('acc_i6', 'evt_1'),
      id: 'evt_1',
      event: 'job.completed',
      account_id: 'acc_i6',
      created_at: AT,
      delivery: 'pending',
      webhook_url: 'https://hooks.example.com/frameseek',
      data: {
        id: 'job_1',
        job_id: 'job_1',
        user_id: 'acc_i6',
        video_id: 'vid_1',
        collection_id: 'col_1',
        status: 'done',
        stage: 'done',
        progress_pct: 100,
        error: null,
        error_code: null,
        updated_at: AT,
      },
    });
    expect(await storedItem(keys.accountEvent('acc_i6', 'evt_2'))).toBeUndefined();
  });

  it('does not finish a job whose video moved on (another job, or a hold that changed), and writes nothing', async () => {
    // Arrange
    const { video, job } = await videoBeingIndexed('acc_i7');
    const stale = await videoBeingIndexed('acc_i7b');
    // A reindex began meanwhile: the video of acc_i7 now belongs to another job.
    await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.video('acc_i7', 'vid_1'), ...video, job_id: 'job_newer' } }));

    // Act
    const otherJob = await recordJobDone(video, job, FACTS, 'evt_1', AT);
    const staleHold = await recordJobDone({ ...stale.video, reserved_indexing_micros: 1 }, stale.job, FACTS, 'evt_2', AT);

    // Assert
    expect([otherJob, staleHold]).toEqual([false, false]);
    expect((await getJobRecord('acc_i7', 'job_1'))?.status).toBe('pending');
    expect((await getJobRecord('acc_i7b', 'job_1'))?.status).toBe('pending');
    expect(await getVideoRecord('acc_i7', 'vid_1')).toMatchObject({ status: 'processing', job_id: 'job_newer', reserved_indexing_micros: 7_000 });
    expect(await getVideoRecord('acc_i7b', 'vid_1')).toMatchObject({ status: 'processing', reserved_indexing_micros: 7_000 });
    expect(await storedItem(keys.accountEvent('acc_i7', 'evt_1'))).toBeUndefined();
    expect(await storedItem(keys.accountEvent('acc_i7b', 'evt_2'))).toBeUndefined();
  });

  it('fails a first indexing once: job failed with its error, video failed, job.failed in the outbox', async () => {
    // Arrange
    const { video, job } = await videoBeingIndexed('acc_i8');
    const error = { code: 'INDEXING_FAILED' as const, message: 'Transcription kept failing' };

    // Act
    const first = await recordJobFailed(video, job, error, 'evt_1', AT);
    const second = await recordJobFailed(video, job, error, 'evt_2', AT);

    // Assert
    expect([first, second]).toEqual([true, false]);
    expect(await getJobRecord('acc_i8', 'job_1')).toMatchObject({ status: 'failed', error, updated_at: AT });
    expect((await getVideoRecord('acc_i8', 'vid_1'))?.status).toBe('failed');
    expect(await storedItem(keys.accountEvent('acc_i8', 'evt_1'))).toMatchObject({
      event: 'job.failed',
      data: { status: 'failed', error: error.message, error_code: error.code, job_id: 'job_1' },
    });
    expect(await storedItem(keys.accountEvent('acc_i8', 'evt_2'))).toBeUndefined();
  });

  it('fails a reindex leaving the video ready on its old rows', async () => {
    // Arrange
    const { video, job } = await videoBeingIndexed('acc_i9', { status: 'ready', indexed_job_id: 'job_0' });

    // Act
    const failed = await recordJobFailed(video, job, { code: 'INDEXING_FAILED', message: 'Embedding kept failing' }, 'evt_1', AT);

    // Assert
    expect(failed).toBe(true);
    expect((await getJobRecord('acc_i9', 'job_1'))?.status).toBe('failed');
    expect(await getVideoRecord('acc_i9', 'vid_1')).toMatchObject({ status: 'ready', indexed_job_id: 'job_0' });
  });
});

describe('starting a reindex', () => {
  it('gives a ready video its new job and keeps it ready; a second start from the same state is refused', async () => {
    // Arrange
    const { video } = await videoBeingIndexed('acc_i10', { status: 'ready', indexed_job_id: 'job_1' });
    const next: JobRecord = { ...newQueuedJob({ ...video, job_id: 'job_2', created_at: AT }, 'waiting_for_indexer'), status: 'pending' };
    const rival: JobRecord = { ...next, job_id: 'job_3' };

    // Act
    const first = await recordReindexStarted(video, next, AT);
    const second = await recordReindexStarted(video, rival, AT);

    // Assert
    expect([first, second]).toEqual([true, false]);
    expect(await getVideoRecord('acc_i10', 'vid_1')).toMatchObject({ job_id: 'job_2', status: 'ready', indexed_job_id: 'job_1', updated_at: AT });
    expect(await storedItem(keys.job('acc_i10', 'job_2'))).toEqual({ ...keys.job('acc_i10', 'job_2'), ...keys.jobIndex('col_1', 'job_2'), ...next });
    expect(await getJobRecord('acc_i10', 'job_3')).toBeUndefined();
  });

  it('puts a failed video back to processing under its new job', async () => {
    // Arrange
    const { video } = await videoBeingIndexed('acc_i11', { status: 'failed' });
    const next: JobRecord = { ...newQueuedJob({ ...video, job_id: 'job_2', created_at: AT }, 'waiting_for_indexer'), status: 'pending' };

    // Act
    const started = await recordReindexStarted(video, next, AT);

    // Assert
    expect(started).toBe(true);
    expect(await getVideoRecord('acc_i11', 'vid_1')).toMatchObject({ job_id: 'job_2', status: 'processing' });
  });

  it("refuses a reindex of an unknown or another account's video, writing no job", async () => {
    // Arrange
    const { video } = await videoBeingIndexed('acc_i12', { status: 'ready' });
    const theirs = { ...video, account_id: 'acc_i12_other' };
    const next: JobRecord = { ...newQueuedJob({ ...theirs, job_id: 'job_2', created_at: AT }, 'waiting_for_indexer'), status: 'pending' };

    // Act
    const started = await recordReindexStarted(theirs, next, AT);

    // Assert
    expect(started).toBe(false);
    expect(await storedItem(keys.job('acc_i12_other', 'job_2'))).toBeUndefined();
    expect(await storedItem(keys.video('acc_i12_other', 'vid_1'))).toBeUndefined();
  });
});
