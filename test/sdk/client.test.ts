import { execFileSync } from 'node:child_process';
import { openAsBlob, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFrameseek, formData, FrameseekError, items, pages, unwrap, uploadVideo, waitForJob, type FrameseekApi, type UploadProgress } from '#sdk/index';
import { createKey, signUp, useTestApi } from '#test/support/api';
import { mediaPath } from '#test/support/media';
import { SDK_TYPES_PATH, sdkTypesFrom } from '../../bin/sdk/generate.ts';

/** @frameseek/sdk against the real local runtime (DynamoDB Local, the S3 stand-in, the index worker). */

const api = useTestApi();
const PART_BYTES = Number(process.env.FRAMESEEK_MULTIPART_PART_BYTES);

async function sdkForNewAccount(): Promise<{ client: FrameseekApi; collectionId: string }> {
  const { token } = await signUp(api);
  const { key } = await createKey(api, token);
  const client = createFrameseek({ baseUrl: api.runtime().url, token: key });
  const { data: collection } = await unwrap(client.POST('/v1/collections', { body: { name: 'sdk' } }));
  return { client, collectionId: collection.id };
}

function recorder(): { progress: UploadProgress[]; onProgress: (progress: UploadProgress) => void } {
  const progress: UploadProgress[] = [];
  return { progress, onProgress: (update) => progress.push(update) };
}

function isNonDecreasing(values: number[]): boolean {
  return values.every((value, index) => index === 0 || value >= (values[index - 1] ?? 0));
}

describe('the generated types', () => {
  it('are what openapi-typescript makes of the live GET /v1/openapi.json (run npm run sdk:generate when this fails)', async () => {
    const document = await (await fetch(`${api.runtime().url}/v1/openapi.json`)).json();

    const generated = await sdkTypesFrom(document);

    expect(generated).toBe(readFileSync(SDK_TYPES_PATH, 'utf8'));
  });
});

describe('uploadVideo', () => {
  it('sends a small file with one presigned PUT, reporting progress up to its size, and the job gets done', { timeout: 120_000 }, async () => {
    const { client, collectionId } = await sdkForNewAccount();
    const file = await openAsBlob(await mediaPath('clip.mp4'), { type: 'video/mp4' });
    const { progress, onProgress } = recorder();

    const ids = await uploadVideo(client, { collectionId, file, filename: 'clip.mp4', onProgress });
    const job = await waitForJob(client, ids.job_id, { intervalMs: 200 });

    expect(ids).toMatchObject({ upload_id: expect.stringMatching(/^upl_/), video_id: expect.stringMatching(/^vid_/), job_id: expect.stringMatching(/^job_/) });
    expect(progress[0]).toEqual({ sentBytes: 0, totalBytes: file.size });
    expect(progress.at(-1)).toEqual({ sentBytes: file.size, totalBytes: file.size });
    expect(isNonDecreasing(progress.map((update) => update.sentBytes))).toBe(true);
    expect(job).toMatchObject({ status: 'done', progress_pct: 100, video_id: ids.video_id });
  });

  it('resumes an interrupted multipart upload from the parts already stored', { timeout: 60_000 }, async () => {
    const { client, collectionId } = await sdkForNewAccount();
    const file = await openAsBlob(await mediaPath('large.mp4'), { type: 'video/mp4' });
    const partsCount = Math.ceil(file.size / PART_BYTES);
    const stop = new AbortController();
    let uploadId = '';

    // One part at a time, stopped as the third is about to be sent (a connection dropped between parts): parts 1 and 2 are stored.
    let puts = 0;
    const stopBeforeThirdPart: typeof fetch = (input, init) => {
      puts += 1;
      if (puts === 3) stop.abort();
      return fetch(input, { ...init, signal: stop.signal });
    };
    const interrupted = await uploadVideo(client, {
      collectionId,
      file,
      filename: 'large.mp4',
      concurrency: 1,
      signal: stop.signal,
      fetch: stopBeforeThirdPart,
      onStarted: (ids) => (uploadId = ids.upload_id),
    }).catch((error: unknown) => error);
    const between = await unwrap(client.GET('/v1/uploads/{upload_id}', { params: { path: { upload_id: uploadId } } }));
    const { progress, onProgress } = recorder();
    const resumed = await uploadVideo(client, { collectionId, file, filename: 'large.mp4', resumeUploadId: uploadId, onProgress });
    const after = await unwrap(client.GET('/v1/uploads/{upload_id}', { params: { path: { upload_id: uploadId } } }));

    expect(interrupted).toBeInstanceOf(Error);
    expect(between.data).toMatchObject({ status: 'awaiting_bytes', parts_received: [1, 2] });
    expect(between.data.multipart?.parts).toHaveLength(partsCount - 2);
    expect(progress[0]).toEqual({ sentBytes: 2 * PART_BYTES, totalBytes: file.size });
    expect(progress.at(-1)).toEqual({ sentBytes: file.size, totalBytes: file.size });
    expect(resumed.upload_id).toBe(uploadId);
    expect(after.data.status).toBe('complete');
  });
});

describe('search', () => {
  it('finds an indexed video by a picture of it (multipart through formData) and answers a text query as JSON', { timeout: 120_000 }, async () => {
    const { client, collectionId } = await sdkForNewAccount();
    const path = await mediaPath('clip.mp4');
    const ids = await uploadVideo(client, { collectionId, file: await openAsBlob(path, { type: 'video/mp4' }), filename: 'clip.mp4' });
    await waitForJob(client, ids.job_id, { intervalMs: 200 });
    const frame = execFileSync('ffmpeg', ['-v', 'error', '-ss', '1.5', '-i', path, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', '-']);
    const picture = new Blob([new Uint8Array(frame)], { type: 'image/jpeg' });

    const byImage = await unwrap(
      client.POST('/v1/search', { body: { image: picture, modes: ['video'], collection_id: collectionId }, bodySerializer: formData }),
    );
    const byText = await unwrap(client.POST('/v1/search', { body: { query: 'an orange cat', collection_id: collectionId } }));

    expect(byImage.meta, JSON.stringify(byImage.meta)).toMatchObject({ page: 1, total: 1 });
    expect(byImage.data[0]).toMatchObject({ video_id: ids.video_id, filename: 'clip.mp4' });
    expect(byImage.data[0]?.segments[0]?.video_url).toMatch(/^http/);
    expect(Array.isArray(byText.data)).toBe(true);
  });
});

describe('pages and items', () => {
  it('walk a list one page (one request) at a time until meta.total', async () => {
    const { client } = await sdkForNewAccount();
    for (const name of ['b', 'c', 'd', 'e']) await unwrap(client.POST('/v1/collections', { body: { name } }));
    const requested: number[] = [];
    const fetchPage = (page: number) => {
      requested.push(page);
      return unwrap(client.GET('/v1/collections', { params: { query: { page, per_page: 2 } } }));
    };

    const sizes: number[] = [];
    for await (const page of pages(fetchPage)) sizes.push(page.data.length);
    requested.length = 0;
    const names: string[] = [];
    for await (const collection of items(fetchPage)) names.push(collection.name);

    expect(sizes).toEqual([2, 2, 1]);
    expect(requested).toEqual([1, 2, 3]);
    expect(names.sort()).toEqual(['b', 'c', 'd', 'e', 'sdk']);
  });

  it('follow meta.next_cursor when the fetcher sends it back', async () => {
    const { client } = await sdkForNewAccount();
    for (const name of ['b', 'c', 'd', 'e']) await unwrap(client.POST('/v1/collections', { body: { name } }));
    const cursors: Array<string | undefined> = [];

    const names: string[] = [];
    for await (const collection of items((page, cursor) => {
      cursors.push(cursor);
      return unwrap(client.GET('/v1/collections', { params: { query: cursor ? { cursor, per_page: 2 } : { page, per_page: 2 } } }));
    }))
      names.push(collection.name);

    expect(names).toEqual(['e', 'd', 'c', 'b', 'sdk']);
    expect(cursors[0]).toBeUndefined();
    expect(cursors.slice(1)).toEqual([expect.stringMatching(/^c1\./), expect.stringMatching(/^c1\./)]);
  });
});

describe('errors', () => {
  it("come out as FrameseekError with the API's code, message and request id", async () => {
    const { client } = await sdkForNewAccount();

    const error = await unwrap(client.GET('/v1/videos/{video_id}', { params: { path: { video_id: 'vid_missing' } } })).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(FrameseekError);
    expect(error).toMatchObject({ status: 404, code: 'VIDEO_NOT_FOUND', requestId: expect.stringMatching(/^req_/) });
  });

  it('name the unreachable host instead of "fetch failed"', async () => {
    const client = createFrameseek({ baseUrl: 'http://127.0.0.1:9', token: 'fsk_x' });

    const error = await unwrap(client.GET('/v1/collections')).catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ status: 0, code: 'NETWORK_ERROR', message: expect.stringContaining('127.0.0.1:9') });
  });
});
