import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_PLANS } from '#lib/plans';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/credentials';
import { PROJECT_ROOT } from '#infra/local/runtime';

/**
 * Billing under a burst (issue 8), through HTTP on the local stack run as `npm start` runs it (its
 * own process, DynamoDB Local): 200 concurrent searches at a Free account with exactly its 30 daily
 * searches left and at a pay-as-you-go account with credit for exactly 50, printing granted vs.
 * allowed (they must be equal: the quota's conditional ADD and the ledger's conditional balance
 * write decide under concurrency). Then what the rate limiter costs a request. Rate limits are
 * raised for the run, and it says so (plans.md, Deployment settings).
 *
 * `npx tsx bench/billing.ts`, or `await billingBench()` from bench/run.ts. Prints figures; asserts nothing.
 */
const BURST = 200;
const LATENCY_REQUESTS = 300;
const { search_micros: SEARCH_MICROS } = DEFAULT_PLANS.prices;
const FREE_QUOTA = DEFAULT_PLANS.plans.free.daily_search_quota ?? 0;
const PAYG_SEARCHES = 50;

/** Every group raised far past the burst; Free's trial credit off, so the payg account holds exactly what it is granted. */
const RAISED = {
  rate_limits: {
    per_minute: Object.fromEntries(
      ['search', 'upload', 'jobs', 'videos', 'collections_read', 'collections_write', 'agent', 'account', 'auth'].map((group) => [group, 1_000_000]),
    ),
    auth_per_email: 1_000_000,
    auth_per_ip: 1_000_000,
  },
  plans: { free: { trial_credit_micros: 0 } },
};

interface Stack {
  child: ChildProcess;
  url: string;
  dynamoDbEndpoint: string;
  env: NodeJS.ProcessEnv;
}

async function startStack(dataDir: string): Promise<Stack> {
  const env = { ...process.env, PORT: '0', FRAMESEEK_DATA_DIR: dataDir, FRAMESEEK_PLAN_OVERRIDES: JSON.stringify(RAISED) };
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [url, dynamoDbEndpoint] = await new Promise<[string, string]>((done, fail) => {
    const timer = setInterval(() => {
      const listening = /Frameseek listening on (\S+)/.exec(output)?.[1];
      const dynamo = /DynamoDB Local \S+ at (\S+?),/.exec(output)?.[1];
      if (listening && dynamo) {
        clearInterval(timer);
        done([listening, dynamo]);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      fail(new Error(`runtime exited (${code}): ${output}`));
    });
  });
  return { child, url, dynamoDbEndpoint, env };
}

/** A child process with the stack's own settings (the operator commands, the limiter probe). */
function runWithStackSettings(stack: Stack, args: string[]): Promise<string> {
  const env = {
    ...stack.env,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    FRAMESEEK_DYNAMODB_ENDPOINT: stack.dynamoDbEndpoint,
    FRAMESEEK_TABLE_NAME: 'frameseek',
  };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(stdout) : fail(new Error(`${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

interface Caller {
  json<T>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; data: T; retryAfter: number }>;
}

function caller(url: string): Caller {
  return {
    async json<T>(method: string, path: string, body?: unknown, token?: string) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const parsed = (await response.json().catch(() => ({}))) as { data?: T };
      return { status: response.status, data: parsed.data as T, retryAfter: Number(response.headers.get('retry-after') ?? '1') };
    },
  };
}

async function account(api: Caller, email: string): Promise<{ session: string; key: string }> {
  const signedUp = await api.json<{ session: { token: string } }>('POST', '/v1/auth/signup', { email, password: 'benchmark password' });
  if (signedUp.status !== 201) throw new Error(`sign-up ${email}: ${signedUp.status}`);
  const key = await api.json<{ key: string }>('POST', '/v1/api_keys', { name: 'bench', permissions: 'all' }, signedUp.data.session.token);
  return { session: signedUp.data.session.token, key: key.data.key };
}

interface BurstOutcome {
  granted: number;
  refused: number;
  /** 503 SEARCH_UNAVAILABLE: the index did not answer in time, and the unit or charge was given back. */
  retriedAfterUnavailable: number;
  other: number;
  /** Statuses other than 200, 402 and 503, with how often each came. */
  otherStatuses: Record<number, number>;
  ms: number;
}

/**
 * `BURST` searches at once. One the index cannot answer in time comes back 503 with its unit or
 * charge given back; as a client would, those are sent again (together, after Retry-After) until
 * each has been granted or refused, so granted is what the account paid for.
 */
async function burst(api: Caller, key: string): Promise<BurstOutcome> {
  const outcome: BurstOutcome = { granted: 0, refused: 0, retriedAfterUnavailable: 0, other: 0, otherStatuses: {}, ms: 0 };
  const started = performance.now();
  let pending = BURST;
  for (let round = 0; pending > 0 && round < 10; round += 1) {
    const responses = await Promise.all(
      Array.from({ length: pending }, () => api.json('POST', '/v1/search', { query: 'billing bench', modes: ['transcript'] }, key)),
    );
    pending = 0;
    for (const response of responses) {
      if (response.status === 200) outcome.granted += 1;
      else if (response.status === 402) outcome.refused += 1;
      else if (response.status === 503) pending += 1;
      else {
        outcome.other += 1;
        outcome.otherStatuses[response.status] = (outcome.otherStatuses[response.status] ?? 0) + 1;
      }
    }
    outcome.retriedAfterUnavailable += pending;
    if (pending > 0) await new Promise((resolve) => setTimeout(resolve, Math.max(...responses.map((response) => response.retryAfter)) * 1000));
  }
  outcome.other += pending;
  outcome.ms = performance.now() - started;
  return outcome;
}

function report(label: string, allowed: number, outcome: BurstOutcome, after: string): void {
  const equal = outcome.granted === allowed && outcome.other === 0;
  console.log(
    `  ${label.padEnd(34)} granted ${String(outcome.granted).padStart(3)} / allowed ${String(allowed).padStart(3)}  ${equal ? 'EQUAL' : 'NOT EQUAL'}` +
      `  (refused ${outcome.refused}, 503s retried ${outcome.retriedAfterUnavailable}, other ${outcome.other}${outcome.other > 0 ? ` ${JSON.stringify(outcome.otherStatuses)}` : ''}; ${(outcome.ms / 1000).toFixed(1)} s)  ${after}`,
  );
}

function percentiles(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length };
}

async function limiterOverhead(stack: Stack, api: Caller, key: string): Promise<void> {
  const collection = await api.json<{ id: string }>('POST', '/v1/collections', { name: 'limiter' }, key);
  const path = `/v1/collections/${collection.data.id}`;
  for (let index = 0; index < 20; index += 1) await api.json('GET', path, undefined, key);
  const samples: number[] = [];
  for (let index = 0; index < LATENCY_REQUESTS; index += 1) {
    const started = performance.now();
    const response = await api.json('GET', path, undefined, key);
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
    samples.push(performance.now() - started);
  }
  const request = percentiles(samples);
  const limiter = JSON.parse(await runWithStackSettings(stack, ['bench/rate-limiter-probe.ts', String(LATENCY_REQUESTS)])) as {
    p50: number;
    p99: number;
    mean: number;
  };
  const figures = (label: string, stats: { p50: number; p99: number; mean: number }) =>
    `  ${label.padEnd(46)} p50 ${stats.p50.toFixed(2).padStart(6)} ms  p99 ${stats.p99.toFixed(2).padStart(6)} ms  mean ${stats.mean.toFixed(2).padStart(6)} ms`;
  console.log(`\nRate-limiter overhead per request (${LATENCY_REQUESTS} sequential each, same DynamoDB Local)`);
  console.log(figures('GET /v1/collections/{id} through HTTP (limited)', request));
  console.log(figures('the limiter alone (consumeRateLimit)', limiter));
  console.log(
    `  → the limiter is ${limiter.p50.toFixed(2)} ms of a ${request.p50.toFixed(2)} ms request at p50 (${((limiter.p50 / request.p50) * 100).toFixed(0)}%): ` +
      'one conditional UpdateItem awaited before the handler; raising the limits changes the number compared, not the work.',
  );
}

export async function billingBench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-billing-bench-'));
  const stack = await startStack(dataDir);
  try {
    const api = caller(stack.url);
    const stamp = Date.now();
    const free = await account(api, `bench-free-${stamp}@example.com`);
    const paygEmail = `bench-payg-${stamp}@example.com`;
    const payg = await account(api, paygEmail);
    // Operator commands (plans.md, Deployment settings), as a deployment without Stripe uses them.
    await runWithStackSettings(stack, ['bin/cli/main.ts', 'admin', 'set-plan', '--email', paygEmail, '--plan', 'payg']);
    await runWithStackSettings(stack, ['bin/cli/main.ts', 'admin', 'grant-credits', '--email', paygEmail, '--micros', String(PAYG_SEARCHES * SEARCH_MICROS)]);
    // One search on another account opens the search index, so the bursts measure billing rather than a cold start.
    await api.json('POST', '/v1/search', { query: 'warm up' }, (await account(api, `bench-warm-${stamp}@example.com`)).key);

    const freeBefore = await api.json<{ usage: { searches_today: number; search_quota: number } }>('GET', '/v1/account', undefined, free.key);
    const freeAllowed = freeBefore.data.usage.search_quota - freeBefore.data.usage.searches_today;
    const paygBefore = await api.json<{ credits_micros: number }>('GET', '/v1/billing', undefined, payg.session);
    const paygAllowed = Math.floor(paygBefore.data.credits_micros / SEARCH_MICROS);

    console.log(`\nBilling under a burst of ${BURST} concurrent POST /v1/search (local stack in its own process)`);
    console.log(`  rate limits RAISED for this run to 1 000 000 a minute in every group; Free trial credit off: ${JSON.stringify(RAISED)}`);
    const freeOutcome = await burst(api, free.key);
    const freeAfter = await api.json<{ usage: { searches_today: number } }>('GET', '/v1/account', undefined, free.key);
    report(`Free, ${freeAllowed} of ${FREE_QUOTA} left today`, freeAllowed, freeOutcome, `searches_today after: ${freeAfter.data.usage.searches_today}`);
    const paygOutcome = await burst(api, payg.key);
    const paygAfter = await api.json<{ credits_micros: number }>('GET', '/v1/billing', undefined, payg.session);
    report(
      `payg, ${paygBefore.data.credits_micros} µ$ = ${paygAllowed} searches`,
      paygAllowed,
      paygOutcome,
      `balance after: ${paygAfter.data.credits_micros} µ$`,
    );

    await limiterOverhead(stack, api, free.key);
  } finally {
    stack.child.kill('SIGINT');
    await new Promise((done) => stack.child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await billingBench();
