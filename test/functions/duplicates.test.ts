import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { finishedJob, signUp, useTestApi, videosOf } from '#test/support/api';
import { media, mediaPath } from '#test/support/media';
import { croppedFrame, searchForm } from '#test/support/search-requests';

/** The same file uploaded more than once: named at upload (meta.duplicate_of), one hit in search. */
const api = useTestApi();

function directForm(collectionId: string, bytes: Buffer, filename: string): FormData {
  const form = new FormData();
  form.append('collection_id', collectionId);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'video/mp4' }), filename);
  return form;
}

describe('identical videos (same SHA-256)', () => {
  let token: string;
  let collectionId: string;
  let clip: Buffer;
  const videoIds: string[] = [];

  beforeAll(async () => {
    ({ token } = await signUp(api));
    collectionId = String((await api.post('/v1/collections', { token, body: { name: 'copies' } })).body.data.id);
    clip = await media('clip.mp4');
    for (const name of ['first.mp4', 'second.mp4', 'third.mp4']) {
      const response = await api.post('/v1/upload', { token, form: directForm(collectionId, clip, name) });
      videoIds.push(String(response.body.data.video_id));
      await finishedJob(api, token, String(response.body.data.job_id), 120_000);
    }
  }, 400_000);

  it('names the video the account already has when an upload declares the same sha256', async () => {
    const sha256 = createHash('sha256').update(clip).digest('hex');
    const declare = (hash: string) =>
      api.post('/v1/uploads', {
        token,
        body: { collection_id: collectionId, filename: 'again.mp4', size_bytes: clip.length, content_type: 'video/mp4', sha256: hash },
      });

    const same = await declare(sha256.toUpperCase());
    const different = await declare('0'.repeat(64));
    const malformed = await declare('not-a-hash');

    expect(same.status).toBe(201);
    expect(same.body.meta.duplicate_of).toEqual({ video_id: videoIds[0], collection_id: collectionId, filename: 'first.mp4', status: 'ready' });
    expect(different.status).toBe(201);
    expect(different.body.meta.duplicate_of).toBeNull();
    expect(malformed.status).toBe(422);
  });

  it('answers identical videos once in search (the first uploaded), all of them when collapse_duplicates is false', async () => {
    const picture = { bytes: await croppedFrame(await mediaPath('clip.mp4'), 0, 'jpeg'), type: 'image/jpeg', name: 'frame.jpg' };

    const collapsed = await searchForm(api, token, {}, picture);
    const all = await searchForm(api, token, { collapse_duplicates: 'false' }, picture);

    expect(collapsed.status, JSON.stringify(collapsed.body.meta)).toBe(200);
    expect(videosOf(all).length, JSON.stringify(all.body)).toBeGreaterThan(0);
    expect(videosOf(collapsed).map((video) => video.video_id)).toEqual([videoIds[0]]);
    expect(collapsed.body.meta.total).toBe(1);
    expect(new Set(videosOf(all).map((video) => video.video_id))).toEqual(new Set(videoIds));
  });
});
