import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '#test/support/api';
import { routes } from '#functions/routes';

const run = promisify(execFile);
const api = useTestApi();

/**
 * Headless Chromium loads /docs with every request to another host sent to a proxy that records it
 * and answers 502 (so nothing leaves the machine); the page's own origin is loopback, which
 * Chromium never proxies. Chromium's own service traffic (Google's update, time and account hosts)
 * is the browser's, not the page's; anything else recorded is a request the page made.
 */
const BROWSER_SERVICES = /^(CONNECT |\w+ https?:\/\/)[\w.-]*\.(google\.com|googleapis\.com|gvt1\.com)[:/]/;
let proxy: Server;
let proxyUrl = '';
const leaving: string[] = [];
let profileDir = '';

beforeAll(async () => {
  proxy = createServer((request, response) => {
    leaving.push(`${request.method} ${request.url}`);
    response.writeHead(502).end();
  });
  proxy.on('connect', (request, socket) => {
    leaving.push(`CONNECT ${request.url}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  profileDir = await mkdtemp(join(tmpdir(), 'frameseek-docs-chromium-'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await rm(profileDir, { recursive: true, force: true });
});

/** The page's DOM once its scripts have run (virtual time lets the renderer fetch and draw). */
async function renderedDom(url: string): Promise<string> {
  const { stdout } = await run(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      `--user-data-dir=${profileDir}`,
      `--proxy-server=${proxyUrl}`,
      '--virtual-time-budget=20000',
      '--dump-dom',
      url,
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 90_000 },
  );
  return stdout;
}

describe('GET /docs', () => {
  it('is an HTML page that loads its renderer from this API only', async () => {
    const page = await api.get('/docs');
    const script = await api.get('/docs/swagger-ui.js');

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('<script src="/docs/swagger-ui.js"></script>');
    expect(page.text).not.toMatch(/(src|href)="https?:/);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.text).toContain('SwaggerUIBundle');
  });

  it('renders every route of the OpenAPI document in headless Chromium, with no request leaving the machine', async () => {
    const dom = await renderedDom(`${api.runtime().url}/docs`);

    expect(leaving.filter((request) => !BROWSER_SERVICES.test(request))).toEqual([]);
    const documented = Object.values(routes).filter((route) => route.path.startsWith('/v1/') || route.path === '/mcp');
    // Each operation is a block of the page, `id="operations-<tag>-<operationId>"`, showing its method and path.
    const missing = documented.filter((route) => !new RegExp(`id="operations-[^"]*-${route.name}"`).test(dom) || !dom.includes(`data-path="${route.path}"`));
    expect(missing.map((route) => route.name)).toEqual([]);
  }, 120_000);
});
