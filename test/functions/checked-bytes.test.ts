import { describe, expect, it, vi } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { settledJob, signUp, useTestApi } from '#test/support/api';
import { media } from '#test/support/media';
import { s3, mediaBucket } from '#lib/storage/client';
import { videoPrefix } from '#lib/storage/layout';

/**
 * Issue 19 item 5: the bytes ingest checked cannot be replaced. A single-PUT URL stays valid for its
 * whole life; a second PUT of the same length through it, after ingest, must not change what the video
 * plays, indexes and charges for.
 */
const api = useTestApi();

async function objectsOf(accountId: string, videoId: string): Promise<string[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: mediaBucket, Prefix: videoPrefix(accountId, videoId) }));
  return (listing.Contents ?? []).map((object) => String(object.Key)).filter((key) => !key.includes('/thumbs/') && !key.includes('/staging/'));
}

describe('a second PUT to a still-valid upload URL', () => {
  it('cannot replace the checked bytes: the video keeps playing what ingest checked, and the new object is removed', async () => {
    const { token, accountId } = await signUp(api);
    const collection = await api.post('/v1/collections', { token, body: { name: 'immutable' } });
    const bytes = await media('clip.mp4');
    const ticket = await api.post('/v1/uploads', {
      token,
      body: { collection_id: collection.body.data.id, filename: 'clip.mp4', size_bytes: bytes.length, content_type: 'video/mp4' },
    });
    const { url, video_id: videoId, job_id: jobId } = ticket.body.data;
    const put = (body: Buffer) => fetch(String(url), { method: 'PUT', body: new Uint8Array(body), headers: { 'content-type': 'video/mp4' } });
    expect((await put(bytes)).status).toBe(200);
    await settledJob(api, token, String(jobId));
    const afterIngest = await objectsOf(accountId, String(videoId));
    const replacement = Buffer.alloc(bytes.length, 0x41);

    const second = await put(replacement);

    expect(afterIngest).toEqual([`videos/${accountId}/${videoId}/checked.mp4`]);
    // The URL itself is still valid (S3 takes the bytes); what ingest does with their event is the point.
    expect(second.status).toBe(200);
    await vi.waitFor(async () => expect(await objectsOf(accountId, String(videoId))).toEqual([`videos/${accountId}/${videoId}/checked.mp4`]), {
      timeout: 30_000,
      interval: 100,
    });
    const video = await api.get(`/v1/videos/${videoId}`, { token });
    expect(video.body.data.status).not.toBe('failed');
    const played = Buffer.from(await (await fetch(String(video.body.data.playback_url))).arrayBuffer());
    expect(played.equals(bytes)).toBe(true);
    expect((await api.get('/v1/account', { token })).body.data.usage.storage_bytes).toBe(bytes.length);
  });
});
