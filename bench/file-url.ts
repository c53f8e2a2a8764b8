import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An http:// URL for a local file, so the bench hands ffmpeg what the worker hands it (a presigned URL):
 * ffmpeg's input whitelist (lib/media/untrusted-input.ts) admits only HTTP(S), never a path. One server on
 * 127.0.0.1 for the process, answering byte ranges (ffmpeg seeks by them); it does not keep the process alive.
 */
let server: Promise<{ server: Server; port: number }> | undefined;
const files = new Map<string, string>();

export async function fileUrl(path: string): Promise<string> {
  const id = String(files.size);
  const known = [...files.entries()].find(([, known]) => known === path)?.[0];
  if (known === undefined) files.set(id, path);
  const { port } = await startServer();
  return `http://127.0.0.1:${port}/${known ?? id}`;
}

function startServer(): Promise<{ server: Server; port: number }> {
  server ??= new Promise((resolve, reject) => {
    const http = createServer((request, response) => {
      const path = files.get((request.url ?? '').slice(1));
      if (!path) return void response.writeHead(404).end();
      const size = statSync(path).size;
      const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
      const start = range?.[1] ? Number(range[1]) : range?.[2] ? size - Number(range[2]) : 0;
      const end = range?.[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) return void response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      response.writeHead(range ? 206 : 200, {
        'accept-ranges': 'bytes',
        'content-length': end - start + 1,
        ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      });
      if (request.method === 'HEAD') return void response.end();
      createReadStream(path, { start, end }).pipe(response);
    });
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => {
      http.unref();
      resolve({ server: http, port: (http.address() as AddressInfo).port });
    });
  });
  return server;
}
