import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, finishedJob, signUp, useTestApi } from '#test/support/api';
import { media } from '#test/support/media';

/**
 * A file server on loopback stands in for "a public host". It is reachable only because its exact
 * host:port is on the guard's allow-list (a test-only setting, refused in prod); every other
 * private address stays refused.
 */
let files: Server;
let origin = '';

beforeAll(async () => {
  const clip = await media('clip.mp4');
  files = createServer((request, response) => {
    if (request.url === '/clip.mp4') return response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clip.length }).end(clip);
    if (request.url === '/redirect-to-clip') return response.writeHead(302, { location: '/clip.mp4' }).end();
    if (request.url === '/redirect-to-metadata') return response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (request.url === '/notes.txt') return response.writeHead(200, { 'content-type': 'text/plain' }).end('just text');
    if (request.url === '/fake.mp4') return response.writeHead(200, { 'content-type': 'video/mp4' }).end('not a video at all, only words');
    return response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  process.env.FRAMESEEK_URL_GUARD_ALLOW = new URL(origin).host;
});
afterAll(() => new Promise<void>((resolve) => files.close(() => resolve())));

const api = useTestApi();

async function setUp(): Promise<{ token: string; collectionId: string }> {
  const { token } = await signUp(api);
  const collection = await api.post('/v1/collections', { token, body: { name: 'from urls' } });
  return { token, collectionId: String(collection.body.data.id) };
}

describe('POST /v1/uploads with source_url', () => {
  it('fetches the video in the background (following a redirect) and ingests it', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('clip.mp4');

    const response = await api.post('/v1/uploads', { token, body: { collection_id: collectionId, source_url: `${origin}/redirect-to-clip` } });
    const job = await finishedJob(api, token, String(response.body.data.job_id));
    const video = await api.get(`/v1/videos/${response.body.data.video_id}`, { token });
    const upload = await api.get(`/v1/uploads/${response.body.data.upload_id}`, { token });

    expect(response.status).toBe(202);
    expect(response.body.data).toEqual({
      upload_id: expect.stringMatching(/^upl_/),
      video_id: expect.stringMatching(/^vid_/),
      job_id: expect.stringMatching(/^job_/),
      status: 'queued',
    });
    expect(job).toMatchObject({ status: 'done', error: null });
    expect(video.body.data).toMatchObject({
      status: 'ready',
      file_size_bytes: bytes.length,
      mime_type: 'video/mp4',
      codec: 'h264',
      filename: 'redirect-to-clip',
    });
    expect(upload.body.data.status).toBe('complete');
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(bytes.length);
  });

  it.each([
    ['http://127.0.0.1:9/clip.mp4', 'loopback, another port than the allow-listed one'],
    ['http://localhost:9/clip.mp4', 'a name resolving to loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['http://10.1.2.3/clip.mp4', 'private'],
    ['http://100.64.0.1/clip.mp4', 'CGNAT'],
    ['http://[::1]/clip.mp4', 'IPv6 loopback'],
    ['http://[::ffff:127.0.0.1]/clip.mp4', 'IPv4-mapped loopback'],
  ])('refuses %s (%s) at once with a 422 on source_url', async (sourceUrl) => {
    const { token, collectionId } = await setUp();

    const response = await api.post('/v1/uploads', { token, body: { collection_id: collectionId, source_url: sourceUrl } });

    expect(response.status).toBe(422);
    expect(errorOf(response).fields).toEqual([expect.objectContaining({ path: 'source_url' })]);
    expect((await api.get('/v1/videos', { token })).body.meta.total).toBe(0);
  });

  it('refuses a non-http scheme as a validation error on source_url', async () => {
    const { token, collectionId } = await setUp();

    const response = await api.post('/v1/uploads', { token, body: { collection_id: collectionId, source_url: 'file:///etc/passwd' } });

    expect(response.status).toBe(422);
    expect(errorOf(response).fields).toEqual([expect.objectContaining({ path: 'source_url' })]);
  });

  it('refuses a source_url with a malformed %-escape as a validation error, not a 500', async () => {
    const { token, collectionId } = await setUp();

    const response = await api.post('/v1/uploads', { token, body: { collection_id: collectionId, source_url: `${origin}/%zz.mp4` } });

    expect(response.status).toBe(422);
    expect(errorOf(response).fields).toEqual([{ path: 'source_url', message: expect.stringContaining('%-escape') }]);
    expect((await api.get('/v1/videos', { token })).body.meta.total).toBe(0);
  });

  it('checks every redirect: one to the metadata address fails the job and stores nothing', async () => {
    const { token, collectionId } = await setUp();

    const response = await api.post('/v1/uploads', { token, body: { collection_id: collectionId, source_url: `${origin}/redirect-to-metadata` } });
    const job = await finishedJob(api, token, String(response.body.data.job_id));

    expect(job.status).toBe('failed');
    expect(job.error_code).toBe('INDEXING_FAILED');
    expect(String(job.error)).toContain('private');
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(0);
  });

  it.each([
    ['/missing.mp4', 'INDEXING_FAILED', 'HTTP 404'],
    ['/notes.txt', 'UNSUPPORTED_FORMAT', 'text/plain'],
    ['/fake.mp4', 'UNSUPPORTED_FORMAT', 'bytes'],
  ])('lands the failure of %s on the job (%s)', async (path, code, mention) => {
    const { token, collectionId } = await setUp();

    const response = await api.post('/v1/uploads', { token, body: { collection_id: collectionId, source_url: `${origin}${path}` } });
    const job = await finishedJob(api, token, String(response.body.data.job_id));

    expect(response.status).toBe(202);
    expect(job).toMatchObject({ status: 'failed', error_code: code });
    expect(String(job.error)).toContain(mention);
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(0);
  });
});
