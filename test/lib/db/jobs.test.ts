import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { getJobRecord, listJobRecords, markChunksEnqueued, newQueuedJob, setJobStage, type JobRecord } from '#lib/db/jobs';
import { db, tableName } from '#lib/db/client';
import { keys } from '#lib/db/keys';
import { storedItem, useTestTable } from '#test/support/table';

useTestTable();

function queuedJob(accountId: string, jobId: string): JobRecord {
  return newQueuedJob(
    { account_id: accountId, video_id: `vid_of_${jobId}`, collection_id: 'col_jobs', job_id: jobId, created_at: '2026-05-01T00:00:00.000Z' },
    'waiting_for_upload',
  );
}

/** A job as upload creation writes it: under the account, and listed under its collection. */
async function storeJob(job: JobRecord): Promise<void> {
  await db.send(
    new PutCommand({ TableName: tableName, Item: { ...keys.job(job.account_id, job.job_id), ...keys.jobIndex(job.collection_id, job.job_id), ...job } }),
  );
}

describe('jobs of an account', () => {
  it('makes a queued job at 0 % with no error, no chunks and its creation time as last update', () => {
    // Act
    const job = newQueuedJob(
      { account_id: 'acc_j0', video_id: 'vid_1', collection_id: 'col_1', job_id: 'job_1', created_at: '2026-05-01T00:00:00.000Z' },
      'fetching',
    );

    // Assert
    expect(job).toEqual({
      job_id: 'job_1',
      account_id: 'acc_j0',
      video_id: 'vid_1',
      collection_id: 'col_1',
      status: 'queued',
      stage: 'fetching',
      progress_pct: 0,
      error: null,
      chunks_total: 0,
      chunks_done: 0,
      chunks_enqueued: false,
      created_at: '2026-05-01T00:00:00.000Z',
      updated_at: '2026-05-01T00:00:00.000Z',
    });
  });

  it("reads a job by id, and answers undefined for an unknown id or another account's job", async () => {
    // Arrange
    const job = queuedJob('acc_j1', 'job_01');
    await storeJob(job);

    // Act
    const found = await getJobRecord('acc_j1', 'job_01');
    const unknown = await getJobRecord('acc_j1', 'job_99');
    const otherAccount = await getJobRecord('acc_j1_other', 'job_01');

    // Assert
    expect(found).toEqual({ ...keys.job('acc_j1', 'job_01'), ...keys.jobIndex('col_jobs', 'job_01'), ...job });
    expect(unknown).toBeUndefined();
    expect(otherAccount).toBeUndefined();
  });

  it("lists one account's jobs only, newest first, and none of the other items in its partition", async () => {
    // Arrange
    for (const jobId of ['job_01', 'job_03', 'job_02']) await storeJob(queuedJob('acc_j2', jobId));
    await storeJob(queuedJob('acc_j2_other', 'job_04'));
    await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.video('acc_j2', 'vid_1'), video_id: 'vid_1' } }));

    // Act
    const listed = await listJobRecords('acc_j2');

    // Assert
    expect(listed.map((job) => job.job_id)).toEqual(['job_03', 'job_02', 'job_01']);
  });

  it('lists nothing for an account without jobs', async () => {
    // Act / Assert
    expect(await listJobRecords('acc_j_none')).toEqual([]);
  });
});

describe('changes to a job alone', () => {
  it('marks its chunks enqueued and when, leaving the rest of the job as it was', async () => {
    // Arrange
    const job = queuedJob('acc_j3', 'job_01');
    await storeJob(job);

    // Act
    await markChunksEnqueued('acc_j3', 'job_01', '2026-05-01T00:05:00.000Z');

    // Assert
    expect(await getJobRecord('acc_j3', 'job_01')).toEqual({
      ...keys.job('acc_j3', 'job_01'),
      ...keys.jobIndex('col_jobs', 'job_01'),
      ...job,
      chunks_enqueued: true,
      updated_at: '2026-05-01T00:05:00.000Z',
    });
  });

  // Bug: markChunksEnqueued updates without `attribute_exists(PK)`, so a job deleted meanwhile (its video
  // deleted between ingest recording it and enqueueing its chunks) comes back as a stub row with no
  // job_id, status or account_id, which listJobRecords (GET /v1/jobs) then lists.
  it('leaves a deleted job deleted when its chunks are marked enqueued afterwards', async () => {
    // Act
    await markChunksEnqueued('acc_j4', 'job_gone', '2026-05-01T00:05:00.000Z');

    // Assert
    expect(await storedItem(keys.job('acc_j4', 'job_gone'))).toBeUndefined();
    expect(await listJobRecords('acc_j4')).toEqual([]);
  });

  it('moves the stage and its time, and refuses (a failed condition) for a job that does not exist', async () => {
    // Arrange
    await storeJob(queuedJob('acc_j5', 'job_01'));

    // Act
    await setJobStage('acc_j5', 'job_01', 'fetching', '2026-05-01T00:01:00.000Z');
    const [missing, otherAccount] = await Promise.allSettled([
      setJobStage('acc_j5', 'job_missing', 'fetching', '2026-05-01T00:01:00.000Z'),
      setJobStage('acc_j5_other', 'job_01', 'fetching', '2026-05-01T00:01:00.000Z'),
    ]);

    // Assert
    expect(missing).toMatchObject({ status: 'rejected', reason: { name: 'ConditionalCheckFailedException' } });
    expect(otherAccount).toMatchObject({ status: 'rejected', reason: { name: 'ConditionalCheckFailedException' } });
    expect(await getJobRecord('acc_j5', 'job_01')).toMatchObject({ stage: 'fetching', updated_at: '2026-05-01T00:01:00.000Z', status: 'queued' });
    expect(await storedItem(keys.job('acc_j5', 'job_missing'))).toBeUndefined();
    expect(await storedItem(keys.job('acc_j5_other', 'job_01'))).toBeUndefined();
  });
});
