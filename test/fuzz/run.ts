import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalRuntime } from '#infra/local/runtime';
import { RATE_LIMIT_GROUPS } from '#lib/plan-names';
import { runFuzz } from '#test/fuzz/fuzz';

/**
 * `npm run fuzz -- --cases 10000 --seed 7`: the route fuzz against a runtime of its own (DynamoDB Local in
 * memory, the S3 stand-in, rate limits raised so cases are not all 429s). Prints the answers by status, the
 * process's memory before and after, and every request that broke the contract; exits 1 if any did.
 */
const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000' }, seed: { type: 'string', default: String(Date.now() % 100_000) } } });
const cases = Number(values.cases);
const seed = Number(values.seed);
const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-fuzz-'));
const runtime = await startLocalRuntime({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  tableName: 'frameseek-fuzz',
  bucket: 'frameseek-fuzz-media',
  inMemoryDynamoDb: true,
  settings: {
    FRAMESEEK_PLAN_OVERRIDES: JSON.stringify({
      rate_limits: { per_minute: Object.fromEntries(RATE_LIMIT_GROUPS.map((group) => [group, 1_000_000])), auth_per_email: 1_000_000, auth_per_ip: 1_000_000 },
    }),
  },
});
let failed = true;
try {
  const signup = await fetch(`${runtime.url}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `fuzz-${seed}@example.com`, password: 'fuzzing is fun, really' }),
  });
  const sessionToken = String(((await signup.json()) as { data: { session: { token: string } } }).data.session.token);
  const created = await fetch(`${runtime.url}/v1/api_keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionToken}` },
    body: JSON.stringify({ name: 'fuzz', permissions: 'all' }),
  });
  const apiKey = String(((await created.json()) as { data: { key: string } }).data.key);

  const rssBefore = process.memoryUsage().rss;
  const started = Date.now();
  // After each slice: the process's memory, after a full collection when node runs with --expose-gc (so a
  // rising heap is a leak, not garbage not yet collected).
  const report = await runFuzz({ baseUrl: runtime.url, sessionToken, apiKey }, { cases, seed, onSlice: ({ sent }) => console.log(memoryLine(sent)) });
  const rssAfter = process.memoryUsage().rss;
  const health = await fetch(`${runtime.url}/v1/health`);

  console.log(
    JSON.stringify({
      cases: report.cases,
      seed,
      seconds: (Date.now() - started) / 1000,
      statuses: report.statuses,
      retried_after_connection_error: report.retried,
      failures: report.failures.length,
    }),
  );
  console.log(`memory (rss, runtime and fuzzer in one process): ${(rssBefore / 1e6).toFixed(0)} MB before, ${(rssAfter / 1e6).toFixed(0)} MB after`);
  console.log(`alive afterwards: GET /v1/health answered ${health.status}`);
  for (const failure of report.failures.slice(0, 20)) console.log(JSON.stringify(failure));
  failed = report.failures.length > 0 || health.status !== 200;
} finally {
  await runtime.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

function memoryLine(sent: number): string {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const memory = process.memoryUsage();
  const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
  return `after ${sent} cases: rss ${mb(memory.rss)} MB, heap used ${mb(memory.heapUsed)} MB${gc ? ' (after gc)' : ''}, external ${mb(memory.external)} MB, array buffers ${mb(memory.arrayBuffers)} MB`;
}
