import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { routes, fallbackRoute } from '#functions/routes';
import { PROJECT_ROOT, startLocalRuntime } from '#infra/local/runtime';
import { API_BUNDLE } from '#infra/aws/bundling';

/**
 * `npm run bench`: latency of the API through HTTP on the local stack, and the size of every
 * bundled API function. Prints figures; asserts nothing. `--in-memory` runs DynamoDB Local in memory.
 */
const { values: options } = parseArgs({
  options: { 'in-memory': { type: 'boolean', default: false }, requests: { type: 'string', default: '300' } },
});
const requests = Number(options.requests);

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

async function time(count: number, call: (index: number) => Promise<Response>): Promise<{ p50: number; p99: number; mean: number }> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    const response = await call(index);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`request ${index} failed with ${response.status}`);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

async function latency(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-bench-'));
  const runtime = await startLocalRuntime({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    tableName: 'frameseek-bench',
    bucket: 'frameseek-bench',
    inMemoryDynamoDb: options['in-memory'],
  });
  try {
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${runtime.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const signup = (await (await post('/v1/auth/signup', { email: 'bench@example.com', password: 'benchmark password' })).json()) as {
      data: { session: { token: string } };
    };
    const session = signup.data.session.token;
    const keyResponse = (await (await post('/v1/api_keys', { name: 'bench' }, session)).json()) as { data: { key: string } };
    const apiKey = keyResponse.data.key;

    const warm = await post('/v1/collections', { name: 'warm-up' }, apiKey);
    const collectionId = ((await warm.json()) as { data: { id: string } }).data.id;
    for (let index = 0; index < 20; index += 1) await fetch(`${runtime.url}/v1/collections/${collectionId}`, { headers: { authorization: `Bearer ${apiKey}` } });

    const create = await time(requests, (index) => post('/v1/collections', { name: `bench-${index}` }, apiKey));
    const get = await time(requests, () => fetch(`${runtime.url}/v1/collections/${collectionId}`, { headers: { authorization: `Bearer ${apiKey}` } }));

    console.log(`\nAPI latency through HTTP (local stack, API-key auth, ${requests} sequential requests each)`);
    console.log(`  DynamoDB Local mode: ${runtime.dynamoDbMode}`);
    console.log(`  create-collection  p50 ${create.p50.toFixed(1)} ms  p99 ${create.p99.toFixed(1)} ms  mean ${create.mean.toFixed(1)} ms`);
    console.log(`  get-collection     p50 ${get.p50.toFixed(1)} ms  p99 ${get.p99.toFixed(1)} ms  mean ${get.mean.toFixed(1)} ms  (goal p50 ≤ 15 ms: ${(get.p50 / 15).toFixed(2)}× of goal)`);
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function bundleSizes(): Promise<void> {
  const entries = [...Object.values(routes).map((route) => ({ name: route.name, entry: route.entry })), { name: fallbackRoute.name, entry: fallbackRoute.entry }];
  console.log(`\nBundled API functions (esbuild, ${API_BUNDLE.format}, ${API_BUNDLE.target}, minified; cap ${API_BUNDLE.maxBytes / 1024} KB)`);
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
    const bytes = result.outputFiles.find((file) => file.path.endsWith('.mjs'))?.contents.length ?? 0;
    largest = Math.max(largest, bytes);
    console.log(`  ${name.padEnd(18)} ${(bytes / 1024).toFixed(1).padStart(7)} KB  ${(bytes / API_BUNDLE.maxBytes).toFixed(2)}× of cap`);
  }
  console.log(`  largest: ${(largest / 1024).toFixed(1)} KB (${(largest / API_BUNDLE.maxBytes).toFixed(2)}× of cap)`);
}

await latency();
await bundleSizes();
