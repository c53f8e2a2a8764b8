import { afterEach, describe, expect, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { finishedJob, signUp, useTestApi, type Json } from '#test/support/api';
import { media } from '#test/support/media';
import { armFault, disarmFault } from '#lib/faults';
import { useClock, useSystemClock } from '#lib/clock';
import { s3, mediaBucket } from '#lib/storage/client';
import { videoPrefix } from '#lib/storage/layout';
import { handler as dailyMaintenance } from '#functions/schedules/daily';
import { handleDeadLetter } from '#lib/schedules/dead-letters';

/**
 * Issue 19 item 1: no job stays `queued` or `processing` for good. A retry re-enters an ingest that
 * stopped after its claim; the last failed try (the dead-letter path) fails the job with its code and
 * gives back its credit hold and storage; the daily sweep fails what every other path missed.
 */
const api = useTestApi();

afterEach(() => {
  disarmFault('ingest_interrupted');
  disarmFault('dead_letter_lost');
  useSystemClock();
});

interface Started {
  token: string;
  accountId: string;
  videoId: string;
  jobId: string;
  uploadId: string;
  creditsBefore: number;
}

/** A signed-up account and a presigned upload of a real clip, its bytes not yet sent. */
async function declareUpload(): Promise<Started & { url: string; bytes: Buffer }> {
  const { token, accountId } = await signUp(api);
  const collection = await api.post('/v1/collections', { token, body: { name: 'stuck' } });
  const creditsBefore = Number((await api.get('/v1/account', { token })).body.data.credits_micros);
  const bytes = await media('clip.mp4');
  const ticket = await api.post('/v1/uploads', {
    token,
    body: { collection_id: collection.body.data.id, filename: 'clip.mp4', size_bytes: bytes.length, content_type: 'video/mp4' },
  });
  const data = ticket.body.data;
  return {
    token,
    accountId,
    videoId: String(data.video_id),
    jobId: String(data.job_id),
    uploadId: String(data.upload_id),
    url: String(data.url),
    bytes,
    creditsBefore,
  };
}

async function putBytes(url: string, bytes: Buffer): Promise<void> {
  const stored = await fetch(url, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'video/mp4' } });
  expect(stored.status).toBe(200);
}

/** Polls the job until ingest has claimed its video (stage `probing`), as a client would see it. */
async function claimedJob(token: string, jobId: string): Promise<Json> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const job = await api.get(`/v1/jobs/${jobId}`, { token });
    if (String(job.body.data.stage) === 'probing') return job.body.data;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${jobId} was never claimed by ingest`);
}

async function objectsOf(accountId: string, videoId: string): Promise<string[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: mediaBucket, Prefix: videoPrefix(accountId, videoId) }));
  return (listing.Contents ?? []).map((object) => String(object.Key));
}

async function expectReleased(started: Started): Promise<void> {
  const account = await api.get('/v1/account', { token: started.token });
  expect(account.body.data.credits_micros).toBe(started.creditsBefore);
  expect(account.body.data.usage.storage_bytes).toBe(0);
  expect((await api.get(`/v1/videos/${started.videoId}`, { token: started.token })).body.data.status).toBe('failed');
  expect(await objectsOf(started.accountId, started.videoId)).toEqual([]);
}

describe('ingest stopped after its claim', () => {
  it('is re-entered by the next try, which finishes the job', async () => {
    const started = await declareUpload();
    armFault('ingest_interrupted', started.videoId);

    await putBytes(started.url, started.bytes);
    const claimed = await claimedJob(started.token, started.jobId);
    disarmFault('ingest_interrupted');
    const job = await finishedJob(api, started.token, started.jobId, 60_000);

    expect(claimed).toMatchObject({ status: 'queued', stage: 'probing' });
    expect(job).toMatchObject({ status: 'done', error: null });
  });

  it('fails its job with INDEXING_FAILED on the last failed try, giving back the credit hold, the storage and the object', async () => {
    const started = await declareUpload();
    armFault('ingest_interrupted', started.videoId);

    await putBytes(started.url, started.bytes);
    const job = await finishedJob(api, started.token, started.jobId, 30_000);

    expect(job).toMatchObject({
      status: 'failed',
      error_code: 'INDEXING_FAILED',
      error: expect.stringContaining('probing'),
    });
    await expectReleased(started);
  });
});

describe('a dead letter', () => {
  it('of an ingest event (Lambda on-failure record) fails the job it names; a repeat changes nothing', async () => {
    const started = await declareUpload();
    armFault('ingest_interrupted', started.videoId);
    armFault('dead_letter_lost');
    await putBytes(started.url, started.bytes);
    await claimedJob(started.token, started.jobId);
    const sourceKey = (await objectsOf(started.accountId, started.videoId))[0];
    const record = { requestContext: { condition: 'RetriesExhausted' }, requestPayload: { Records: [{ s3: { object: { key: sourceKey } } }] } };
    disarmFault('dead_letter_lost');

    const first = await handleDeadLetter(record);
    const repeated = await handleDeadLetter(record);
    const unknown = await handleDeadLetter({ something: 'else' });

    expect(first).toBe('failed_job');
    expect(repeated).toBe('nothing_to_do');
    expect(unknown).toBe('not_understood');
    expect((await api.get(`/v1/jobs/${started.jobId}`, { token: started.token })).body.data).toMatchObject({ status: 'failed', error_code: 'INDEXING_FAILED' });
    await expectReleased(started);
  });
});

describe('the daily sweep', () => {
  it('fails a job with no progress for longer than its budget (its dead letter was lost), and leaves a fresh one alone', async () => {
    const started = await declareUpload();
    armFault('ingest_interrupted', started.videoId);
    armFault('dead_letter_lost');
    await putBytes(started.url, started.bytes);
    await claimedJob(started.token, started.jobId);
    // The runtime's three tries end, and the lost dead letter leaves the job claimed.
    await new Promise((resolve) => setTimeout(resolve, 3500));

    const soon = await dailyMaintenance();
    const stillQueued = (await api.get(`/v1/jobs/${started.jobId}`, { token: started.token })).body.data;
    const later = new Date(Date.now() + 2 * 60 * 60 * 1000);
    useClock({ now: () => later });
    const afterBudget = await dailyMaintenance();
    useSystemClock();

    expect(soon.failed_stalled_jobs).toBe(0);
    expect(stillQueued).toMatchObject({ status: 'queued', stage: 'probing' });
    expect(afterBudget.failed_stalled_jobs).toBe(1);
    expect((await api.get(`/v1/jobs/${started.jobId}`, { token: started.token })).body.data).toMatchObject({ status: 'failed', error_code: 'INDEXING_FAILED' });
    await expectReleased(started);
  });
});
