import { describe, expect, it, vi } from 'vitest';
import { createKey, errorOf, finishedJob, list, settledJob, signUp, useTestApi } from '#test/support/api';
import { media, type MediaName } from '#test/support/media';
import type { S3Event } from 'aws-lambda';
import { isChunkMessage } from '#lib/indexing/queue';
import { localIndexQueue } from '#infra/local/host';
import { handler as ingest } from '#functions/events/ingest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3, mediaBucket } from '#lib/storage/client';
import { putObject } from '#lib/storage/objects';
import { videoPrefix } from '#lib/storage/layout';
import { listOwnedItemKeys } from '#lib/db/collections';

const api = useTestApi();

async function setUp(): Promise<{ token: string; collectionId: string }> {
  const { token } = await signUp(api);
  const collection = await api.post('/v1/collections', { token, body: { name: 'uploads' } });
  return { token, collectionId: String(collection.body.data.id) };
}

/** What the bucket holds for a video, read straight from the S3 stand-in. */
async function objectsOf(accountId: string, videoId: string): Promise<string[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: mediaBucket, Prefix: videoPrefix(accountId, videoId) }));
  return (listing.Contents ?? []).map((object) => String(object.Key));
}

async function startUpload(token: string, collectionId: string, filename: string, sizeBytes: number, contentType: string) {
  return api.post('/v1/uploads', { token, body: { collection_id: collectionId, filename, size_bytes: sizeBytes, content_type: contentType } });
}

async function put(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'PUT', body: new Uint8Array(body), headers });
}

async function uploadFile(token: string, collectionId: string, name: MediaName, contentType: string, filename: string = name) {
  const bytes = await media(name);
  const ticket = await startUpload(token, collectionId, filename, Math.max(1, bytes.length), contentType);
  expect(ticket.status).toBe(201);
  const stored = await put(String(ticket.body.data.url), bytes, { 'content-type': contentType });
  return { ticket: ticket.body.data, stored, bytes };
}

describe('POST /v1/uploads (presigned PUT)', () => {
  it('issues a URL bound to the declared size and type, and ingest fills the video in', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('clip.mp4');

    const ticket = await startUpload(token, collectionId, 'clip.mp4', bytes.length, 'video/mp4');
    const stored = await put(String(ticket.body.data.url), bytes, { 'content-type': 'video/mp4' });
    const job = await finishedJob(api, token, String(ticket.body.data.job_id));
    const video = await api.get(`/v1/videos/${ticket.body.data.video_id}`, { token });

    expect(ticket.status).toBe(201);
    expect(ticket.body.data).toMatchObject({
      upload_id: expect.stringMatching(/^upl_/),
      video_id: expect.stringMatching(/^vid_/),
      job_id: expect.stringMatching(/^job_/),
      method: 'PUT',
      headers: { 'Content-Type': 'video/mp4', 'Content-Length': String(bytes.length) },
    });
    expect(stored.status).toBe(200);
    expect(job).toMatchObject({ status: 'done', error: null });
    expect(video.body.data).toMatchObject({
      status: 'ready',
      filename: 'clip.mp4',
      collection_id: collectionId,
      width: 320,
      height: 240,
      fps: 25,
      codec: 'h264',
      mime_type: 'video/mp4',
      file_size_bytes: bytes.length,
    });
    expect(Number(video.body.data.duration_secs)).toBeCloseTo(3, 0);
    const playback = await fetch(String(video.body.data.playback_url));
    expect(Buffer.from(await playback.arrayBuffer()).equals(bytes)).toBe(true);
    expect(
      localIndexQueue
        .sent()
        .filter(isChunkMessage)
        .filter((message) => message.job_id === String(ticket.body.data.job_id)),
    ).toEqual([expect.objectContaining({ chunk_index: 0, chunks_total: 1, start_secs: 0 })]);
  });

  it.each([
    ['clip.mov', 'video/quicktime', 'h264'],
    ['clip.webm', 'video/webm', 'vp8'],
    ['clip.mkv', 'video/x-matroska', 'h264'],
    ['clip.avi', 'video/x-msvideo', 'mpeg4'],
    ['clip.mpeg', 'video/mpeg', 'mpeg2video'],
  ] as const)('accepts %s', async (name, contentType, codec) => {
    const { token, collectionId } = await setUp();

    const { ticket, stored } = await uploadFile(token, collectionId, name, contentType);
    const job = await finishedJob(api, token, String(ticket.job_id));
    const video = await api.get(`/v1/videos/${ticket.video_id}`, { token });

    expect(stored.status).toBe(200);
    expect(job.status).toBe('done');
    expect(video.body.data.codec).toBe(codec);
  });

  it('refuses a PUT longer than the declared size, and one of another type', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('clip.mp4');
    const ticket = await startUpload(token, collectionId, 'clip.mp4', bytes.length - 100, 'video/mp4');

    const longer = await put(String(ticket.body.data.url), bytes, { 'content-type': 'video/mp4' });
    const otherType = await put(String(ticket.body.data.url), bytes.subarray(0, bytes.length - 100), { 'content-type': 'video/webm' });

    expect(longer.status).toBe(403);
    expect(otherType.status).toBe(403);
  });

  it('refuses a tampered signature', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('clip.mp4');
    const ticket = await startUpload(token, collectionId, 'clip.mp4', bytes.length, 'video/mp4');
    const url = new URL(String(ticket.body.data.url));
    url.searchParams.set('X-Amz-Signature', '0'.repeat(64));

    const response = await put(url.toString(), bytes, { 'content-type': 'video/mp4' });

    expect(response.status).toBe(403);
  });
});

describe('declared checks, in the order of errors.md', () => {
  it.each([
    [{ filename: 'a.mp4', size_bytes: 5 * 1024 ** 3 + 1, content_type: 'video/mp4' }, 413, 'UPLOAD_TOO_LARGE'],
    [{ filename: 'a.gif', size_bytes: 1000, content_type: 'image/gif' }, 415, 'UNSUPPORTED_FORMAT'],
    [{ filename: 'a.exe', size_bytes: 1000, content_type: 'video/mp4' }, 415, 'UNSUPPORTED_FORMAT'],
    [{ filename: 'a.webm', size_bytes: 1000, content_type: 'video/mp4' }, 415, 'UNSUPPORTED_FORMAT'],
    [{ filename: 'a.exe', size_bytes: 6 * 1024 ** 3, content_type: 'text/plain' }, 413, 'UPLOAD_TOO_LARGE'],
    [{ filename: 'a.mp4', size_bytes: 0, content_type: 'video/mp4' }, 422, 'VALIDATION_ERROR'],
    [{ filename: 'a.mp4', size_bytes: 1.5, content_type: 'video/mp4' }, 422, 'VALIDATION_ERROR'],
  ])('%j → %i %s', async (declared, status, code) => {
    const { token, collectionId } = await setUp();

    const response = await api.post('/v1/uploads', { token, body: { collection_id: collectionId, ...declared } });

    expect(response.status).toBe(status);
    expect(errorOf(response).code).toBe(code);
    expect(response.text).not.toContain('X-Amz');
  });

  it('answers COLLECTION_NOT_FOUND before the media limits, also for another account', async () => {
    const owner = await setUp();
    const stranger = await signUp(api);

    const foreign = await api.post('/v1/uploads', {
      token: stranger.token,
      body: { collection_id: owner.collectionId, filename: 'a.exe', size_bytes: 6 * 1024 ** 3, content_type: 'text/plain' },
    });

    expect(foreign.status).toBe(404);
    expect(errorOf(foreign).code).toBe('COLLECTION_NOT_FOUND');
  });

  it.each(['http://169.254.169.254/latest/meta-data/', 'http://[::7f00:1]/hook', 'http://[2002:a00:1::]/hook'])(
    'refuses webhook_url %s (a private address) at creation with a 422 on webhook_url, storing nothing',
    async (webhookUrl) => {
      const { token, collectionId } = await setUp();

      const response = await api.post('/v1/uploads', {
        token,
        body: { collection_id: collectionId, filename: 'a.mp4', size_bytes: 1000, content_type: 'video/mp4', webhook_url: webhookUrl },
      });

      expect(response.status).toBe(422);
      expect(errorOf(response)).toMatchObject({ code: 'VALIDATION_ERROR', fields: [{ path: 'webhook_url', message: expect.stringContaining('private') }] });
      expect((await api.get('/v1/videos', { token })).body.meta.total).toBe(0);
      expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(0);
    },
  );

  it('answers PLAN_LIMIT_EXCEEDED past the storage limit (Free: 500 MB), reserving at creation', async () => {
    const { token, collectionId } = await setUp();
    const first = await startUpload(token, collectionId, 'big.mp4', 400_000_000, 'video/mp4');

    const second = await startUpload(token, collectionId, 'big2.mp4', 200_000_000, 'video/mp4');
    await api.delete(`/v1/uploads/${first.body.data.upload_id}`, { token });
    const afterAbort = await startUpload(token, collectionId, 'big2.mp4', 200_000_000, 'video/mp4');

    expect(first.status).toBe(201);
    expect(second.status).toBe(402);
    expect(errorOf(second)).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', limit: 500_000_000 });
    expect(afterAbort.status).toBe(201);
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(200_000_000);
  });
});

describe('ingest refuses what is not a supported video', () => {
  it.each([
    ['text.mp4', 'UNSUPPORTED_FORMAT'],
    ['truncated.mp4', 'UNSUPPORTED_FORMAT'],
    ['audio-only.mp4', 'UNSUPPORTED_FORMAT'],
  ] as const)('%s fails its job with %s, keeps no object and releases the storage', async (name, code) => {
    const { token, collectionId } = await setUp();

    const { ticket, stored } = await uploadFile(token, collectionId, name, 'video/mp4');
    const job = await settledJob(api, token, String(ticket.job_id));
    const video = await api.get(`/v1/videos/${ticket.video_id}`, { token });
    const account = await api.get('/v1/account', { token });

    expect(stored.status).toBe(200);
    expect(job.status).toBe('failed');
    expect(job.error_code).toBe(code);
    expect(String(job.error)).not.toMatch(/ffprobe|arn:|s3:/i);
    expect(video.body.data).toMatchObject({ status: 'failed', playback_url: null });
    expect(account.body.data.usage.storage_bytes).toBe(0);
    expect(await objectsOf(String(account.body.data.id), String(ticket.video_id))).toEqual([]);
  });

  it('fails a stored object larger than declared with UPLOAD_TOO_LARGE (written past the presigned URL)', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('clip.mp4');
    const ticket = await startUpload(token, collectionId, 'clip.mp4', bytes.length - 1000, 'video/mp4');
    const accountId = String((await api.get('/v1/account', { token })).body.data.id);

    await putObject(`videos/${accountId}/${ticket.body.data.video_id}/source.mp4`, bytes, 'video/mp4');
    const job = await settledJob(api, token, String(ticket.body.data.job_id));

    expect(job).toMatchObject({ status: 'failed', error_code: 'UPLOAD_TOO_LARGE' });
    expect(await objectsOf(accountId, String(ticket.body.data.video_id))).toEqual([]);
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(0);
  });

  it('cannot store a zero-byte file: the URL is signed for the declared length', async () => {
    const { token, collectionId } = await setUp();

    const { ticket, stored } = await uploadFile(token, collectionId, 'empty.mp4', 'video/mp4');
    const complete = await api.post(`/v1/uploads/${ticket.upload_id}/complete`, { token, body: {} });

    expect(stored.status).toBe(403);
    expect(complete.status).toBe(409);
    expect(errorOf(complete).code).toBe('UPLOAD_INCOMPLETE');
    expect((await api.get(`/v1/jobs/${ticket.job_id}`, { token })).body.data).toMatchObject({ status: 'queued', stage: 'awaiting_bytes' });
  });

  it('refuses a WebM body declared as MP4', async () => {
    const { token, collectionId } = await setUp();

    const { ticket } = await uploadFile(token, collectionId, 'clip.webm', 'video/mp4', 'clip.mp4');
    const job = await settledJob(api, token, String(ticket.job_id));

    expect(job).toMatchObject({ status: 'failed', error_code: 'UNSUPPORTED_FORMAT' });
  });
});

describe('storage events', () => {
  it('the same event delivered again (and concurrently) creates one job and counts the bytes once', async () => {
    const { token, collectionId } = await setUp();
    const { ticket } = await uploadFile(token, collectionId, 'clip.mp4', 'video/mp4');
    const key = `videos/${(await api.get('/v1/account', { token })).body.data.id}/${ticket.video_id}/source.mp4`;
    const event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key } } }] } as unknown as S3Event;

    await Promise.all([ingest(event), ingest(event)]);
    await finishedJob(api, token, String(ticket.job_id));
    await ingest(event);

    const jobs = await api.get('/v1/jobs', { token });
    expect(list(jobs.body.data)).toEqual([expect.objectContaining({ id: ticket.job_id, status: 'done' })]);
    expect(
      localIndexQueue
        .sent()
        .filter(isChunkMessage)
        .filter((message) => message.job_id === String(ticket.job_id)),
    ).toHaveLength(1);
    expect((await api.get(`/v1/collections/${collectionId}`, { token })).body.data).toMatchObject({
      video_count: 1,
      storage_bytes: (await media('clip.mp4')).length,
    });
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe((await media('clip.mp4')).length);
  });
});

describe('multipart uploads', () => {
  it('uploads in parts, resumes after a dropped part, and completes into a checked video', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('large.mp4');
    const ticket = await startUpload(token, collectionId, 'large.mp4', bytes.length, 'video/mp4');
    const { part_size: partSize, parts } = ticket.body.data.multipart;
    const partList = list(parts);
    expect(partList.length).toBeGreaterThan(3);

    // Every part but the second arrives; the connection "drops" on part 2.
    const etags = new Map<number, string>();
    for (const part of partList) {
      const number = Number(part.part_number);
      if (number === 2) continue;
      const slice = bytes.subarray((number - 1) * Number(partSize), number * Number(partSize));
      const response = await put(String(part.url), slice);
      etags.set(number, String(response.headers.get('etag')));
    }
    const early = await api.post(`/v1/uploads/${ticket.body.data.upload_id}/complete`, { token, body: {} });
    const resume = await api.get(`/v1/uploads/${ticket.body.data.upload_id}`, { token });
    const [missing] = list(resume.body.data.multipart.parts);
    const second = await put(String(missing.url), bytes.subarray(Number(partSize), 2 * Number(partSize)));
    etags.set(2, String(second.headers.get('etag')));
    const complete = await api.post(`/v1/uploads/${ticket.body.data.upload_id}/complete`, {
      token,
      body: { parts: [...etags].map(([part_number, etag]) => ({ part_number, etag })) },
    });
    // Before ingest has run: the parts are assembled and the storage's multipart upload is gone.
    const rightAfter = await api.get(`/v1/uploads/${ticket.body.data.upload_id}`, { token });
    const job = await finishedJob(api, token, String(ticket.body.data.job_id));
    const video = await api.get(`/v1/videos/${ticket.body.data.video_id}`, { token });
    const again = await api.post(`/v1/uploads/${ticket.body.data.upload_id}/complete`, { token, body: {} });

    expect(early.status).toBe(409);
    expect(errorOf(early).code).toBe('UPLOAD_INCOMPLETE');
    expect(resume.body.data.parts_received).toEqual(partList.map((part) => Number(part.part_number)).filter((number) => number !== 2));
    expect(list(resume.body.data.multipart.parts).map((part) => part.part_number)).toEqual([2]);
    expect(complete.status).toBe(202);
    expect(complete.body.data).toEqual({ job_id: ticket.body.data.job_id, video_id: ticket.body.data.video_id, status: 'queued' });
    expect(rightAfter.status).toBe(200);
    expect(rightAfter.body.data.status).toBe('complete');
    expect(job.status).toBe('done');
    expect(video.body.data.file_size_bytes).toBe(bytes.length);
    expect(again.status).toBe(202);
    expect((await api.get(`/v1/uploads/${ticket.body.data.upload_id}`, { token })).body.data.status).toBe('complete');
  });

  it('refuses to complete with an ETag that does not match', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('large.mp4');
    const ticket = await startUpload(token, collectionId, 'large.mp4', bytes.length, 'video/mp4');
    const partSize = Number(ticket.body.data.multipart.part_size);
    for (const part of list(ticket.body.data.multipart.parts)) {
      const number = Number(part.part_number);
      await put(String(part.url), bytes.subarray((number - 1) * partSize, number * partSize));
    }

    const response = await api.post(`/v1/uploads/${ticket.body.data.upload_id}/complete`, { token, body: { parts: [{ part_number: 1, etag: 'deadbeef' }] } });

    expect(response.status).toBe(409);
    expect(errorOf(response).code).toBe('UPLOAD_INCOMPLETE');
  });

  it('aborts: parts freed, reservation released, video and job gone, session says aborted', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('large.mp4');
    const ticket = await startUpload(token, collectionId, 'large.mp4', bytes.length, 'video/mp4');
    const [firstPart] = list(ticket.body.data.multipart.parts);
    await put(String(firstPart.url), bytes.subarray(0, Number(ticket.body.data.multipart.part_size)));

    const abort = await api.delete(`/v1/uploads/${ticket.body.data.upload_id}`, { token });
    const state = await api.get(`/v1/uploads/${ticket.body.data.upload_id}`, { token });
    const lateComplete = await api.post(`/v1/uploads/${ticket.body.data.upload_id}/complete`, { token, body: {} });

    expect(abort.status).toBe(204);
    expect(state.body.data.status).toBe('aborted');
    expect(lateComplete.status).toBe(404);
    expect((await api.get(`/v1/videos/${ticket.body.data.video_id}`, { token })).status).toBe(404);
    expect((await api.get(`/v1/jobs/${ticket.body.data.job_id}`, { token })).status).toBe(404);
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(0);
    expect((await api.get(`/v1/collections/${collectionId}`, { token })).body.data.video_count).toBe(0);
  });
});

describe('videos, jobs and collection figures', () => {
  it('keeps the collection figures true as videos arrive and go, and deletes leave no object', async () => {
    const { token, collectionId } = await setUp();
    const first = await uploadFile(token, collectionId, 'clip.mp4', 'video/mp4');
    const second = await uploadFile(token, collectionId, 'clip.mov', 'video/quicktime');
    await settledJob(api, token, String(first.ticket.job_id));
    await settledJob(api, token, String(second.ticket.job_id));
    const firstVideo = await api.get(`/v1/videos/${first.ticket.video_id}`, { token });

    const before = await api.get(`/v1/collections/${collectionId}`, { token });
    const removed = await api.delete(`/v1/videos/${first.ticket.video_id}`, { token });
    const after = await api.get(`/v1/collections/${collectionId}`, { token });
    const playback = await fetch(String(firstVideo.body.data.playback_url));

    expect(before.body.data).toMatchObject({ video_count: 2, storage_bytes: first.bytes.length + second.bytes.length });
    expect(Number(before.body.data.total_duration_secs)).toBeCloseTo(5, 0);
    expect(removed.status).toBe(204);
    expect(after.body.data).toMatchObject({ video_count: 1, storage_bytes: second.bytes.length });
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(second.bytes.length);
    expect(playback.status).toBe(404);
    expect((await api.get(`/v1/videos/${first.ticket.video_id}`, { token })).status).toBe(404);
  });

  it('lists videos and jobs with filters and pagination', async () => {
    const { token, collectionId } = await setUp();
    const other = await api.post('/v1/collections', { token, body: { name: 'other' } });
    const good = await uploadFile(token, collectionId, 'clip.mp4', 'video/mp4');
    const bad = await uploadFile(token, collectionId, 'text.mp4', 'video/mp4');
    await uploadFile(token, String(other.body.data.id), 'clip.avi', 'video/x-msvideo');
    await settledJob(api, token, String(good.ticket.job_id));
    await settledJob(api, token, String(bad.ticket.job_id));

    const inCollection = await api.get(`/v1/videos?collection_id=${collectionId}`, { token });
    const failed = await api.get('/v1/videos?status=failed', { token });
    const paged = await api.get('/v1/videos?per_page=1&page=2', { token });
    const failedJobs = await api.get(`/v1/jobs?status=failed&collection_id=${collectionId}`, { token });
    const badStatus = await api.get('/v1/videos?status=sleeping', { token });

    expect(list(inCollection.body.data).map((video) => video.id)).toEqual([bad.ticket.video_id, good.ticket.video_id]);
    expect(list(failed.body.data).map((video) => video.id)).toEqual([bad.ticket.video_id]);
    expect(paged.body.meta).toMatchObject({ total: 3, page: 2, per_page: 1 });
    expect(list(failedJobs.body.data)).toEqual([expect.objectContaining({ id: bad.ticket.job_id, job_id: bad.ticket.job_id, status: 'failed' })]);
    expect(badStatus.status).toBe(422);
  });

  it("treats another account's videos, jobs and uploads exactly like missing ones", async () => {
    const owner = await setUp();
    const stranger = await signUp(api);
    const strangerKey = await createKey(api, stranger.token);
    const { ticket } = await uploadFile(owner.token, owner.collectionId, 'clip.mp4', 'video/mp4');
    await settledJob(api, owner.token, String(ticket.job_id));

    const responses = await Promise.all([
      api.get(`/v1/videos/${ticket.video_id}`, { token: strangerKey.key }),
      api.delete(`/v1/videos/${ticket.video_id}`, { token: strangerKey.key }),
      api.get(`/v1/jobs/${ticket.job_id}`, { token: strangerKey.key }),
      api.get(`/v1/uploads/${ticket.upload_id}`, { token: strangerKey.key }),
      api.post(`/v1/uploads/${ticket.upload_id}/complete`, { token: strangerKey.key, body: {} }),
      api.delete(`/v1/uploads/${ticket.upload_id}`, { token: strangerKey.key }),
    ]);

    expect(responses.map((response) => errorOf(response).code)).toEqual([
      'VIDEO_NOT_FOUND',
      'VIDEO_NOT_FOUND',
      'JOB_NOT_FOUND',
      'UPLOAD_NOT_FOUND',
      'UPLOAD_NOT_FOUND',
      'UPLOAD_NOT_FOUND',
    ]);
    expect(list((await api.get('/v1/videos', { token: stranger.token })).body.data)).toEqual([]);
    expect(list((await api.get('/v1/jobs', { token: stranger.token })).body.data)).toEqual([]);
    expect((await api.get(`/v1/videos/${ticket.video_id}`, { token: owner.token })).status).toBe(200);
  });

  it('deleting a collection removes its videos, their objects, their rows and their storage', async () => {
    const { token, collectionId } = await setUp();
    const { ticket } = await uploadFile(token, collectionId, 'clip.mp4', 'video/mp4');
    await settledJob(api, token, String(ticket.job_id));
    const accountId = String((await api.get('/v1/account', { token })).body.data.id);
    const storedBefore = await objectsOf(accountId, String(ticket.video_id));
    const playbackUrl = String((await api.get(`/v1/videos/${ticket.video_id}`, { token })).body.data.playback_url);

    const removed = await api.delete(`/v1/collections/${collectionId}`, { token });

    expect(storedBefore).toEqual([`videos/${accountId}/${ticket.video_id}/checked.mp4`]);
    expect(removed.status).toBe(204);
    // Swept in the background: the route answers at once.
    await vi.waitFor(
      async () => {
        expect((await fetch(playbackUrl)).status).toBe(404);
        expect((await api.get(`/v1/videos/${ticket.video_id}`, { token })).status).toBe(404);
        expect((await api.get(`/v1/jobs/${ticket.job_id}`, { token })).status).toBe(404);
        expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(0);
      },
      { timeout: 30_000, interval: 200 },
    );
    // An index chunk still running for the video removes what it wrote once it sees the video gone.
    await vi.waitFor(async () => expect(await objectsOf(accountId, String(ticket.video_id))).toEqual([]), { timeout: 60_000, interval: 250 });
    expect(await listOwnedItemKeys(collectionId, 100)).toEqual([]);
  });
});
