import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { guardedPost, UrlRefusedError } from '#lib/net/url-guard';

/**
 * guardedPost (webhook sends): one loopback server, allowed through the guard by the test-only list
 * (set before the configuration is first read), answers by path.
 */
const seen: Array<{ path: string; body: string; headers: IncomingMessage['headers'] }> = [];
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    seen.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
    if (request.url === '/silent') return; // never answers
    if (request.url === '/moved') return response.writeHead(302, { location: '/ok' }).end();
    response.writeHead(201, { 'content-type': 'text/plain' }).end('x'.repeat(2000));
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
process.env.FRAMESEEK_URL_GUARD_ALLOW = new URL(origin).host;
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('guardedPost', () => {
  it('posts the body with its headers and answers the status and only the first bytes of the answer', async () => {
    const result = await guardedPost(`${origin}/ok`, '{"a":1}', { 'Frameseek-Event-Id': 'evt_1' }, { deadlineMs: 5000 });

    expect(result).toEqual({ status: 201, bodyStart: 'x'.repeat(512) });
    expect(seen.at(-1)).toMatchObject({
      path: '/ok',
      body: '{"a":1}',
      headers: expect.objectContaining({ 'frameseek-event-id': 'evt_1', 'content-type': 'application/json' }),
    });
  });

  it('does not follow a redirect: a 3xx is the answer', async () => {
    const result = await guardedPost(`${origin}/moved`, '{}', {}, { deadlineMs: 5000 });

    expect(result.status).toBe(302);
  });

  it('gives up at the total deadline on a receiver that never answers', async () => {
    const started = Date.now();

    const attempt = guardedPost(`${origin}/silent`, '{}', {}, { deadlineMs: 300 });

    await expect(attempt).rejects.toThrow(UrlRefusedError);
    await expect(attempt).rejects.toThrow('did not answer within');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a private or metadata address before connecting', async () => {
    await expect(guardedPost('http://169.254.169.254/latest/meta-data/', '{}', {}, { deadlineMs: 5000 })).rejects.toThrow(
      /private, loopback, link-local or metadata/,
    );
    await expect(guardedPost('http://10.0.0.1/hook', '{}', {}, { deadlineMs: 5000 })).rejects.toThrow(UrlRefusedError);
  });
});
