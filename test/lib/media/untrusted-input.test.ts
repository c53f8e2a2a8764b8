import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia, ProbeFailedError } from '#lib/media/probe';
import { extractRange, ExtractFailedError } from '#lib/media/extract';
import { media } from '#test/support/media';

/**
 * A stand-in for the bucket: it serves a real clip, and an "upload" that is an HLS playlist whose
 * segment lives elsewhere (here: another path of the same server, counted). The real ffprobe and
 * ffmpeg read them over HTTP, as they read presigned URLs in production.
 */
let server: Server;
let origin = '';
let followedReferences = 0;
const SIGNATURE = 'X-Amz-Signature=0123456789abcdef-the-secret-part';

beforeAll(async () => {
  const clip = await media('clip.mp4');
  server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path === '/clip.mp4') return response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clip.length }).end(clip);
    if (path === '/playlist.mp4') {
      return response
        .writeHead(200, { 'content-type': 'video/mp4' })
        .end(`#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3,\n${origin}/internal/secret.ts\n#EXT-X-ENDLIST\n`);
    }
    if (path === '/internal/secret.ts') followedReferences += 1;
    return response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('ffprobe and ffmpeg on customer files', () => {
  it('probe refuses a playlist instead of following it, and its error does not carry the signed URL', async () => {
    const failure = await probeMedia(`${origin}/playlist.mp4?${SIGNATURE}`).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ProbeFailedError);
    expect(String(failure)).not.toContain('the-secret-part');
    expect(followedReferences).toBe(0);
  });

  it('extraction refuses a playlist instead of following it, and its error does not carry the signed URL', async () => {
    const failure = await extractRange({ url: `${origin}/playlist.mp4?${SIGNATURE}`, startSecs: 0, endSecs: 3, hasAudio: true }).catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(ExtractFailedError);
    expect(String(failure)).not.toContain('the-secret-part');
    expect(followedReferences).toBe(0);
  });

  it('still reads a real MP4 over a signed URL', async () => {
    const probe = await probeMedia(`${origin}/clip.mp4?${SIGNATURE}`);
    const range = await extractRange({ url: `${origin}/clip.mp4?${SIGNATURE}`, startSecs: 0, endSecs: 3, hasAudio: true });

    expect(probe).toMatchObject({ hasVideo: true, hasAudio: true, codec: 'h264', width: 320, height: 240 });
    expect(range.frames.length).toBeGreaterThan(0);
    expect(range.pcm.length).toBeGreaterThan(0);
  });
});
