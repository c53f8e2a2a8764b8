import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, list, signUp, useTestApi } from '#test/support/api';
import { searchForm } from '#test/support/search-requests';

/**
 * A host that sends a picture a few bytes at a time and never falls silent for long: allow-listed
 * (test-only) so the guard lets the search reach it.
 */
let dripping: Server;
let dripOrigin = '';
beforeAll(async () => {
  dripping = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png' });
    const drip = setInterval(() => response.write(Buffer.from([0x89])), 250);
    const stop = () => clearInterval(drip);
    setTimeout(() => (stop(), response.end()), 60_000).unref();
    response.on('close', stop);
  });
  await new Promise<void>((resolve) => dripping.listen(0, '127.0.0.1', resolve));
  dripOrigin = `http://127.0.0.1:${(dripping.address() as AddressInfo).port}`;
  process.env.FRAMESEEK_URL_GUARD_ALLOW = new URL(dripOrigin).host;
});
afterAll(() => {
  dripping.closeAllConnections();
  return new Promise<void>((resolve) => dripping.close(() => resolve()));
});

const api = useTestApi();

/** A real PNG whose header is rewritten to claim another canvas (the CRC made good): what a hostile client sends. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
  const ihdr = 8 + 8; // signature, then the IHDR chunk's length and type
  png.writeUInt32BE(width, ihdr);
  png.writeUInt32BE(height, ihdr + 4);
  png.writeUInt32BE(crc32(png.subarray(ihdr - 4, ihdr + 13)), ihdr + 13);
  return png;
}

async function searchesToday(token: string): Promise<number> {
  return Number((await api.get('/v1/account', { token })).body.data.usage.searches_today);
}

describe('POST /v1/search: the picture is measured before it is decoded', () => {
  it.each([
    [
      'a real 5000×5000 PNG of one colour (small file, 25 MP)',
      () =>
        sharp({ create: { width: 5000, height: 5000, channels: 3, background: '#808080' } })
          .png()
          .toBuffer(),
    ],
    ['a PNG whose header claims 30 000×30 000', () => pngClaiming(30_000, 30_000)],
  ])('answers 413 UPLOAD_TOO_LARGE for %s, at no cost', async (_what, picture) => {
    const { token } = await signUp(api);
    const bytes = await picture();
    expect(bytes.length).toBeLessThan(4 * 1024 * 1024);

    const response = await searchForm(api, token, {}, { bytes, type: 'image/png', name: 'huge.png' });

    expect(response.status).toBe(413);
    expect(errorOf(response)).toMatchObject({ code: 'UPLOAD_TOO_LARGE', message: expect.stringContaining('4096×4096'), limit: 4096 * 4096 });
    expect(await searchesToday(token)).toBe(0);
  });

  it('still takes a 4096×4096 picture (the cap itself)', async () => {
    const { token } = await signUp(api);
    const bytes = await sharp({ create: { width: 4096, height: 4096, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();

    const response = await searchForm(api, token, {}, { bytes, type: 'image/png', name: 'edge.png' });

    expect(response.status).not.toBe(413);
    expect(response.status).toBeLessThan(500);
  });

  it('gives up on an image_url that drips its bytes, within the deadline, as a 422 on image_url at no cost', async () => {
    const { token } = await signUp(api);
    const started = Date.now();

    const response = await api.post('/v1/search', { token, body: { image_url: `${dripOrigin}/slow.png` } });

    expect(Date.now() - started).toBeLessThan(15_000);
    expect(response.status).toBe(422);
    expect(list(errorOf(response).fields)).toEqual([{ path: 'image_url', message: expect.stringContaining('did not finish within') }]);
    expect(await searchesToday(token)).toBe(0);
  }, 70_000);
});
