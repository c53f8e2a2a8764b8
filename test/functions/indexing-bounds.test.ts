import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { signUp, uploadAndIndex, useTestApi } from '#test/support/api';
import { mediaPath } from '#test/support/media';
import { s3, mediaBucket } from '#lib/storage/client';
import { videoPrefix } from '#lib/storage/layout';
import { extractRange, maxFramesFor } from '#lib/media/extract';

/**
 * Issue 19 item 2: a chunk's frames are bounded whatever the video. A video whose every other frame is a scene
 * change used to give a frame for each (all held in memory for the chunk); scene changes now need half a second
 * since the last frame taken. `npm run bench -- --only noise` prints the peak memory of a five-minute noise chunk.
 */
const api = useTestApi();

async function thumbnailsOf(accountId: string, videoId: string): Promise<number> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: mediaBucket, Prefix: `${videoPrefix(accountId, videoId)}thumbs/` }));
  return listing.KeyCount ?? 0;
}

describe('indexing a video with a scene change at nearly every frame', () => {
  it('indexes it to the end with at most one frame per half second (the bound), not one per scene change', async () => {
    const { token, accountId } = await signUp(api);
    const collection = await api.post('/v1/collections', { token, body: { name: 'noise' } });
    const path = await mediaPath('scene-every-frame.mp4');

    const { videoId, job } = await uploadAndIndex(api, token, String(collection.body.data.id), path);
    const thumbnails = await thumbnailsOf(accountId, videoId);

    expect(job.status).toBe('done');
    // Ten seconds: 21 frames at most (ffmpeg's scene filter alone takes about 130); frames read between two for on-screen text come on top, none here.
    expect(thumbnails).toBeGreaterThan(5);
    expect(thumbnails).toBeLessThanOrEqual(maxFramesFor(10));
  });

  it('keeps scene changes that are further apart than the gap, and bounds a range by its length', () => {
    expect(maxFramesFor(300)).toBe(601);
    expect(maxFramesFor(10)).toBe(21);
    expect(maxFramesFor(0.05)).toBe(2);
  });

  it('splits the frames of a range as they stream from ffmpeg, each a whole JPEG at its own time', async () => {
    const path = await mediaPath('scene-every-frame.mp4');
    const { createServer } = await import('node:http');
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(path);
    // ffmpeg reads only HTTP(S) (lib/media/untrusted-input.ts): the file is served as the stand-in would serve it.
    const server = createServer((request, response) => {
      const range = /bytes=(\d+)-(\d*)/.exec(request.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range && range[2] ? Number(range[2]) : bytes.length - 1;
      response.writeHead(range ? 206 : 200, {
        'content-length': end - start + 1,
        'accept-ranges': 'bytes',
        ...(range ? { 'content-range': `bytes ${start}-${end}/${bytes.length}` } : {}),
      });
      response.end(bytes.subarray(start, end + 1));
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const range = await extractRange({ url: `http://127.0.0.1:${port}/v.mp4`, startSecs: 0, endSecs: 10, hasAudio: false }).finally(() => server.close());

    expect(range.frames.length).toBeGreaterThan(5);
    expect(range.frames.length).toBeLessThanOrEqual(maxFramesFor(10));
    for (const frame of range.frames) {
      expect([frame.jpeg[0], frame.jpeg[1], frame.jpeg.at(-2), frame.jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    }
    const times = range.frames.map((frame) => frame.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (let index = 1; index < times.length; index += 1) expect((times[index] ?? 0) - (times[index - 1] ?? 0)).toBeGreaterThanOrEqual(0.49);
  });
});
