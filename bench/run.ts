import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { routes, fallbackRoute } from '#functions/routes';
import { PROJECT_ROOT } from '#infra/local/runtime';
import { API_BUNDLE, isBundledRoute } from '#infra/aws/bundling';
import { indexingBench, type IndexingMatrix } from './indexing';
import { searchHttpBench } from './search-http';
import { billingBench } from './billing';
import { qualityBench } from './quality';
import { clickBench } from './clicks';
import { framemapBench } from './framemap';
import { noiseChunkBench } from './noise-chunk';
import { mcpBench } from './mcp';
import { webhooksBench } from './webhooks';
import { listsBench } from './lists';
import { consoleBench } from './console';
import { stats, type Stats } from './support';

/**
 * `npm run bench`: figures for the API through HTTP on the local stack (run as `npm start` runs it,
 * in its own process), a 1 GB multipart upload with that process's memory, and the size of every
 * bundled API function, search through the MCP endpoint beside the same searches through POST /v1/search (bench/mcp.ts),
 * then indexing of a generated ten-minute 720p video (bench/indexing.ts).
 * `--indexing quick|full|off` picks how many indexing settings run (quick, the default, keeps the
 * whole run within about ten minutes); `--only api|console|search|billing|webhooks|lists|indexing|noise|quality|clicks|framemap` runs one part (noise: one five-minute index chunk of a scene-change-every-frame video and its peak memory, bench/noise-chunk.ts); the web console's bundle size and first
 * contentful paint (bench/console.ts) follow the API part. Search through HTTP over a
 * synthetic library (bench/search-http.ts) follows the API part; `--search-hours` sizes it (5 for a quick look),
 * `--search-queries` sets the timed searches per case, `--search-keep` keeps the library and `--search-library <dir>`
 * searches a kept one again without seeding; `--search-embedders a` (or `b`, `a,b`) picks the configurations
 * and `--search-stages 0` leaves out the in-process breakdown (samples per stage, 30 by default); `--search-media disk`
 * (or `ram`) searches the library only where it was seeded (or only a copy on tmpfs) instead of both side by side;
 * `--search-load-clients 30 --search-load-secs 60` (the defaults) size the concurrent phase (0 clients: none).
 * `--library-hours 1000` then searches a large library too (one account of that many hours beside B and nine
 * small accounts; disk only, no concurrent phase), cached in `.bench/fixtures/` between runs because seeding it
 * takes long (`--search-hours 0` leaves the default library out).
 * Billing under a burst of concurrent searches (bench/billing.ts) comes next, then webhook delivery latency and
 * throughput (bench/webhooks.ts), lists by cursor over a 10 000-video account (bench/lists.ts); quality on held-out data (bench/quality.ts,
 * `--quality-seed`), then click boosts on a held-out click log (bench/clicks.ts) and the frame map's computation
 * over 10- and 100-hour synthetic libraries (bench/framemap.ts) last, then the map of a `--framemap-hours` library
 * (100 by default; 0 for none; `--search-library` reuses a kept one) computed in the background and served from its cache.
 * Prints figures; asserts nothing.
 */
const { values: options } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    'upload-mb': { type: 'string', default: '1024' },
    indexing: { type: 'string', default: 'quick' },
    only: { type: 'string' },
    'search-hours': { type: 'string', default: '100' },
    'search-queries': { type: 'string', default: '200' },
    'search-keep': { type: 'boolean', default: false },
    'search-library': { type: 'string' },
    'search-embedders': { type: 'string' },
    'search-stages': { type: 'string', default: '30' },
    'search-media': { type: 'string', default: 'both' },
    'search-load-clients': { type: 'string', default: '30' },
    'search-load-secs': { type: 'string', default: '60' },
    'library-hours': { type: 'string' },
    'quality-seed': { type: 'string', default: '18' },
    'framemap-hours': { type: 'string', default: '100' },
  },
});
const requests = Number(options.requests);
const uploadBytes = Number(options['upload-mb']) * 1024 * 1024;
/** plans.md, Deployment settings: benchmarks raise limits, and say so. */
const RAISED_LIMITS = {
  plans: { free: { storage_limit_bytes: 10 ** 13, active_api_keys: 5, trial_credit_micros: 10 ** 12, daily_search_quota: 100_000 } },
  rate_limits: {
    per_minute: { collections_read: 100_000, collections_write: 100_000, upload: 100_000, account: 100_000, search: 100_000, agent: 100_000 },
    trial_credits_per_ip_per_day: 1_000_000,
  },
};

async function time(count: number, call: (index: number) => Promise<Response>): Promise<Stats> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    const response = await call(index);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`request ${index} failed with ${response.status}`);
    samples.push(performance.now() - started);
  }
  return stats(samples);
}

const format = (label: string, figures: Stats) =>
  `  ${label.padEnd(19)} p50 ${figures.p50.toFixed(1).padStart(6)} ms  p99 ${figures.p99.toFixed(1).padStart(6)} ms  mean ${figures.mean.toFixed(1).padStart(6)} ms`;

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

async function startRuntime(dataDir: string): Promise<{ child: ChildProcess; url: string; mode: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: '0', FRAMESEEK_DATA_DIR: dataDir, FRAMESEEK_PLAN_OVERRIDES: JSON.stringify(RAISED_LIMITS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((done, fail) => {
    const timer = setInterval(() => {
      const found = /Frameseek listening on (\S+)/.exec(output)?.[1];
      if (found) {
        clearInterval(timer);
        done(found);
      }
    }, 50);
    child.once('exit', (code) => fail(new Error(`runtime exited (${code}): ${output}`)));
  });
  return { child, url, mode: /DynamoDB Local (\S+)/.exec(output)?.[1] ?? 'unknown' };
}

async function apiBench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-bench-'));
  const runtime = await startRuntime(dataDir);
  const pid = runtime.child.pid ?? 0;
  try {
    const call = (method: string, path: string, body?: unknown, token?: string) =>
      fetch(`${runtime.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const json = async <T>(response: Promise<Response>) => ((await (await response).json()) as { data: T }).data;
    const { session } = await json<{ session: { token: string } }>(
      call('POST', '/v1/auth/signup', { email: 'bench@example.com', password: 'benchmark password' }),
    );
    const { key } = await json<{ key: string }>(call('POST', '/v1/api_keys', { name: 'bench' }, session.token));
    const collection = await json<{ id: string }>(call('POST', '/v1/collections', { name: 'warm-up' }, key));
    for (let index = 0; index < 20; index += 1) await (await call('GET', `/v1/collections/${collection.id}`, undefined, key)).arrayBuffer();

    const create = await time(requests, (index) => call('POST', '/v1/collections', { name: `bench-${index}` }, key));
    const get = await time(requests, () => call('GET', `/v1/collections/${collection.id}`, undefined, key));
    const presign = await time(requests, (index) =>
      call('POST', '/v1/uploads', { collection_id: collection.id, filename: `clip-${index}.mp4`, size_bytes: 50_000_000, content_type: 'video/mp4' }, key),
    );

    console.log(`\nAPI latency through HTTP (local stack in its own process, API-key auth, ${requests} sequential requests each)`);
    console.log(`  DynamoDB Local: ${runtime.mode}; plan limits raised for the bench: ${JSON.stringify(RAISED_LIMITS)}`);
    console.log(format('create-collection', create));
    console.log(`${format('get-collection', get)}  (goal p50 ≤ 15 ms: ${(get.p50 / 15).toFixed(2)}× of goal)`);
    console.log(format('presign (single PUT)', presign));

    await multipartBench(runtime.url, key, collection.id, pid);
    await mcpBench(runtime.url, key, collection.id, Math.min(requests, 200));
  } finally {
    runtime.child.kill('SIGINT');
    await new Promise((done) => runtime.child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs `bench` against a fresh local stack in its own process, as `npm start` runs it. */
async function withRuntime(bench: (url: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-bench-'));
  const runtime = await startRuntime(dataDir);
  try {
    await bench(runtime.url);
  } finally {
    runtime.child.kill('SIGINT');
    await new Promise((done) => runtime.child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function multipartBench(url: string, key: string, collectionId: string, pid: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'frameseek-bench-file-'));
  const file = join(dir, 'big.mp4');
  const handle = await open(file, 'w');
  const block = randomBytes(8 * 1024 * 1024);
  for (let written = 0; written < uploadBytes; written += block.length) await handle.write(block, 0, Math.min(block.length, uploadBytes - written));
  await handle.close();
  const size = statSync(file).size;
  const before = memoryOf(pid);

  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const started = performance.now();
  const ticketResponse = await fetch(`${url}/v1/uploads`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ collection_id: collectionId, filename: 'big.mp4', size_bytes: size, content_type: 'video/mp4' }),
  });
  const ticket = (
    (await ticketResponse.json()) as { data: { upload_id: string; multipart: { part_size: number; parts: Array<{ part_number: number; url: string }> } } }
  ).data;
  const { part_size: partSize, parts } = ticket.multipart;
  let peakDuring = before.peakMb;
  const sampler = setInterval(() => (peakDuring = Math.max(peakDuring, memoryOf(pid).rssMb)), 100);
  const queue = [...parts];
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const start = (part.part_number - 1) * partSize;
      const end = Math.min(size, start + partSize) - 1;
      const body = Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream<Uint8Array>;
      const response = await fetch(part.url, { method: 'PUT', body, headers: { 'content-length': String(end - start + 1) }, duplex: 'half' } as RequestInit);
      if (!response.ok) throw new Error(`part ${part.part_number}: ${response.status}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const complete = await fetch(`${url}/v1/uploads/${ticket.upload_id}/complete`, { method: 'POST', headers, body: '{}' });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const after = memoryOf(pid);
  rmSync(dir, { recursive: true, force: true });

  console.log(
    `\nMultipart upload through the local stack (${(size / 1024 ** 3).toFixed(2)} GiB, ${parts.length} parts of ${partSize / 1024 ** 2} MiB, 4 at a time; complete → ${complete.status})`,
  );
  console.log(`  throughput ${(size / 1024 ** 2 / seconds).toFixed(1)} MiB/s (${seconds.toFixed(1)} s)`);
  console.log(
    `  runtime process RSS: ${before.rssMb.toFixed(0)} MiB before, peak ${peakDuring.toFixed(0)} MiB during, ${after.rssMb.toFixed(0)} MiB after; ` +
      `peak/file = ${(peakDuring / (size / 1024 ** 2)).toFixed(3)} (the bytes go straight to storage; the API never holds them)`,
  );
}

async function bundleSizes(): Promise<void> {
  const entries = [
    // Routes with native modules ship as container images (design §6), not bundles.
    ...Object.values(routes)
      .filter(isBundledRoute)
      .map((route) => ({ name: route.name, entry: route.entry })),
    { name: fallbackRoute.name, entry: fallbackRoute.entry },
  ];
  console.log(
    `\nBundled API functions (esbuild, ${API_BUNDLE.format}, ${API_BUNDLE.target}, minified, AWS SDK from the runtime, Powertools from its layer; cap ${API_BUNDLE.maxBytes / 1024} KB)`,
  );
  let largest = 0;
  for (const { name, entry } of entries) {
    const result = await build({
      entryPoints: [resolve(PROJECT_ROOT, entry)],
      bundle: true,
      platform: 'node',
      format: API_BUNDLE.format,
      target: API_BUNDLE.target,
      minify: API_BUNDLE.minify,
      mainFields: [...API_BUNDLE.mainFields],
      banner: { js: API_BUNDLE.banner },
      external: [...API_BUNDLE.externalModules],
      write: false,
      outfile: 'index.mjs',
    });
    const bytes = result.outputFiles.find((output) => output.path.endsWith('.mjs'))?.contents.length ?? 0;
    largest = Math.max(largest, bytes);
    console.log(`  ${name.padEnd(18)} ${(bytes / 1024).toFixed(1).padStart(7)} KB  ${(bytes / API_BUNDLE.maxBytes).toFixed(2)}× of cap`);
  }
  console.log(`  largest: ${(largest / 1024).toFixed(1)} KB (${(largest / API_BUNDLE.maxBytes).toFixed(2)}× of cap)`);
}

const runs = (part: 'api' | 'console' | 'search' | 'billing' | 'webhooks' | 'lists' | 'indexing' | 'noise' | 'quality' | 'clicks' | 'framemap') =>
  options.only === undefined || options.only === part;
if (runs('api')) {
  await apiBench();
  await bundleSizes();
}
if (runs('console')) await withRuntime(consoleBench);
if (runs('search') && Number(options['search-hours']) > 0)
  await searchHttpBench({
    hours: Number(options['search-hours']),
    queries: Number(options['search-queries']),
    stageSamples: Number(options['search-stages']),
    keep: options['search-keep'],
    library: options['search-library'],
    configurations: options['search-embedders']?.split(','),
    media: searchMedia(options['search-media']),
    load: { clients: Number(options['search-load-clients']), seconds: Number(options['search-load-secs']) },
  });
if (runs('search') && options['library-hours'] !== undefined)
  await searchHttpBench({
    hours: Number(options['library-hours']),
    queries: Number(options['search-queries']),
    stageSamples: Number(options['search-stages']),
    configurations: options['search-embedders']?.split(','),
    media: 'disk',
    load: { clients: 0, seconds: 0 },
    fixture: true,
    extraTenants: 9,
  });
if (runs('billing')) await billingBench();
if (runs('webhooks')) await webhooksBench();
if (runs('lists')) await listsBench();
if (runs('indexing') && options.indexing !== 'off') await indexingBench(indexingMatrix(options.indexing));
if (runs('noise')) await noiseChunkBench();
if (runs('quality')) await qualityBench(Number(options['quality-seed']));
if (runs('clicks')) clickBench();
if (runs('framemap')) await framemapBench({ httpHours: Number(options['framemap-hours']), library: options['search-library'], keep: options['search-keep'] });

function searchMedia(value: string | undefined): 'disk' | 'ram' | 'both' {
  if (value === 'disk' || value === 'ram' || value === 'both') return value;
  throw new Error(`--search-media takes disk, ram or both (got ${value})`);
}

function indexingMatrix(value: string): IndexingMatrix {
  if (value === 'quick' || value === 'full') return value;
  throw new Error(`--indexing must be quick, full or off, not ${value}`);
}
