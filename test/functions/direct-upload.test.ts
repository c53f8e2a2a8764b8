import { describe, expect, it } from 'vitest';
import { errorOf, finishedJob, list, settledJob, signUp, useTestApi } from '#test/support/api';
import { media, type MediaName } from '#test/support/media';

const api = useTestApi();

async function setUp(): Promise<{ token: string; collectionId: string }> {
  const { token } = await signUp(api);
  const collection = await api.post('/v1/collections', { token, body: { name: 'direct' } });
  return { token, collectionId: String(collection.body.data.id) };
}

function form(fields: Record<string, string>, file?: { bytes: Buffer; filename: string; type: string }): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  if (file) body.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.filename);
  return body;
}

async function sendFile(token: string, collectionId: string, name: MediaName, type = 'video/mp4', headers: Record<string, string> = {}) {
  return api.post('/v1/upload', { token, headers, form: form({ collection_id: collectionId }, { bytes: await media(name), filename: name, type }) });
}

describe('POST /v1/upload (compatibility route)', () => {
  it('takes a small video as multipart/form-data and ingests it like any other', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('clip.mp4');

    const response = await sendFile(token, collectionId, 'clip.mp4');
    const job = await finishedJob(api, token, String(response.body.data.job_id));
    const video = await api.get(`/v1/videos/${response.body.data.video_id}`, { token });

    expect(response.status).toBe(202);
    expect(response.body.data).toEqual({ job_id: expect.stringMatching(/^job_/), video_id: expect.stringMatching(/^vid_/), status: 'queued' });
    expect(job.status).toBe('done');
    expect(video.body.data).toMatchObject({ status: 'ready', file_size_bytes: bytes.length, codec: 'h264' });
  });

  it('refuses a file over 4 MB with a 413 that points to /v1/uploads', async () => {
    const { token, collectionId } = await setUp();
    const big = Buffer.concat([await media('large.mp4'), await media('large.mp4')]);

    const response = await api.post('/v1/upload', {
      token,
      form: form({ collection_id: collectionId }, { bytes: big, filename: 'big.mp4', type: 'video/mp4' }),
    });

    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('UPLOAD_TOO_LARGE');
    expect(String(errorOf(response).message)).toContain('/v1/uploads');
    expect((await api.get('/v1/videos', { token })).body.meta.total).toBe(0);
  });

  it('fails the job of an empty file, and of a text file named .mp4', async () => {
    const { token, collectionId } = await setUp();

    const empty = await sendFile(token, collectionId, 'empty.mp4');
    const text = await sendFile(token, collectionId, 'text.mp4');

    expect([empty.status, text.status]).toEqual([202, 202]);
    expect(await settledJob(api, token, String(empty.body.data.job_id))).toMatchObject({ status: 'failed', error_code: 'UNSUPPORTED_FORMAT' });
    expect(await settledJob(api, token, String(text.body.data.job_id))).toMatchObject({ status: 'failed', error_code: 'UNSUPPORTED_FORMAT' });
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(0);
  });

  it('says on a failed video why it failed and which job to look at', async () => {
    const { token, collectionId } = await setUp();
    const text = await sendFile(token, collectionId, 'text.mp4');
    await settledJob(api, token, String(text.body.data.job_id));

    const video = await api.get(`/v1/videos/${text.body.data.video_id}`, { token });
    const listed = list((await api.get('/v1/videos', { token })).body.data)[0];

    expect(video.body.data).toMatchObject({
      status: 'failed',
      job_id: text.body.data.job_id,
      error_code: 'UNSUPPORTED_FORMAT',
      error: expect.stringMatching(/\w/),
    });
    expect(listed).toMatchObject({ status: 'failed', job_id: text.body.data.job_id, error_code: 'UNSUPPORTED_FORMAT' });
  });

  it('checks in the order of errors.md', async () => {
    const { token, collectionId } = await setUp();
    const bytes = await media('clip.mp4');

    const noFile = await api.post('/v1/upload', { token, form: form({ collection_id: collectionId }) });
    const unknownField = await api.post('/v1/upload', {
      token,
      form: form({ collection_id: collectionId, colour: 'red' }, { bytes, filename: 'a.mp4', type: 'video/mp4' }),
    });
    const missingCollection = await api.post('/v1/upload', {
      token,
      form: form({ collection_id: 'col_nope' }, { bytes, filename: 'a.gif', type: 'image/gif' }),
    });
    const wrongType = await api.post('/v1/upload', { token, form: form({ collection_id: collectionId }, { bytes, filename: 'a.gif', type: 'image/gif' }) });
    const json = await api.post('/v1/upload', { token, body: { collection_id: collectionId } });
    const broken = await api.post('/v1/upload', { token, rawBody: '--x\r\nbroken', contentType: 'multipart/form-data; boundary=zzz' });

    expect([noFile.status, errorOf(noFile).code]).toEqual([422, 'VALIDATION_ERROR']);
    expect(errorOf(noFile).fields).toEqual([{ path: 'file', message: 'required' }]);
    expect(errorOf(unknownField).fields).toEqual([{ path: 'colour', message: 'unknown field' }]);
    expect([missingCollection.status, errorOf(missingCollection).code]).toEqual([404, 'COLLECTION_NOT_FOUND']);
    expect([wrongType.status, errorOf(wrongType).code]).toEqual([415, 'UNSUPPORTED_FORMAT']);
    expect([json.status, errorOf(json).code]).toEqual([400, 'BAD_REQUEST']);
    expect(broken.status).toBe(400);
  });

  it('decides a generically typed file (curl -F file=@clip.mp4) from its name and bytes; only a real mismatch is 415', async () => {
    const { token, collectionId } = await setUp();
    const mp4Bytes = await media('clip.mp4');
    const octet = (bytes: Buffer, filename: string) =>
      api.post('/v1/upload', { token, form: form({ collection_id: collectionId }, { bytes, filename, type: 'application/octet-stream' }) });

    const asCurlSendsIt = await octet(mp4Bytes, 'clip.mp4');
    const textNamedMp4 = await octet(await media('text.mp4'), 'notes.mp4');
    const mp4NamedAvi = await octet(mp4Bytes, 'clip.avi');
    const noVideoExtension = await octet(mp4Bytes, 'clip.bin');
    const job = await finishedJob(api, token, String(asCurlSendsIt.body.data.job_id));

    expect(asCurlSendsIt.status).toBe(202);
    expect(job.status).toBe('done');
    expect([textNamedMp4.status, errorOf(textNamedMp4).code]).toEqual([415, 'UNSUPPORTED_FORMAT']);
    expect(String(errorOf(textNamedMp4).message)).toContain('notes.mp4');
    expect([mp4NamedAvi.status, errorOf(mp4NamedAvi).code]).toEqual([415, 'UNSUPPORTED_FORMAT']);
    expect([noVideoExtension.status, errorOf(noVideoExtension).code]).toEqual([415, 'UNSUPPORTED_FORMAT']);
    expect((await api.get('/v1/videos', { token })).body.meta.total).toBe(1);
  });

  it('replays a repeated Idempotency-Key instead of storing the file twice', async () => {
    const { token, collectionId } = await setUp();
    const headers = { 'idempotency-key': 'direct-1' };

    const first = await sendFile(token, collectionId, 'clip.mp4', 'video/mp4', headers);
    const repeat = await sendFile(token, collectionId, 'clip.mp4', 'video/mp4', headers);
    const otherFile = await sendFile(token, collectionId, 'clip.mov', 'video/quicktime', headers);

    expect(repeat.body.data).toEqual(first.body.data);
    expect(otherFile.status).toBe(422);
    expect((await api.get('/v1/videos', { token })).body.meta.total).toBe(1);
  });
});
