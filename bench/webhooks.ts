import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '#infra/local/runtime';
import { verifyFrameseekSignature } from '#lib/webhooks/verify';
import { stats } from './support';

/**
 * Outgoing webhooks (issue 20), through HTTP on the local stack run as `npm start` runs it (its own
 * process, DynamoDB Local on disk): a receiver in this process verifies every signature and notes
 * when each event arrived. Two figures:
 *  - latency, event written → receiver got it (the event's own created_at to its arrival here), for
 *    `events` video.created events (one declared upload each, one after another: the path, not a queue) to one endpoint;
 *  - throughput with 10 endpoints: deliveries a second from the first event written to the last
 *    delivery received, for `events / 5` events (so 10× as many deliveries).
 * Limits are raised for the run (upload rate, storage, credits, endpoints), and it says so. Prints figures; asserts nothing.
 *
 * `npx tsx bench/webhooks.ts [events]`, or `await webhooksBench()` from bench/run.ts.
 */
const UPLOAD_CONCURRENCY = 8;
const ENDPOINTS = 10;
const RAISED = {
  plans: { free: { storage_limit_bytes: 10 ** 13, trial_credit_micros: 10 ** 12, webhook_endpoints: ENDPOINTS } },
  rate_limits: {
    per_minute: { upload: 1_000_000, collections_write: 1_000_000, account: 1_000_000 },
    auth_per_email: 1_000,
    auth_per_ip: 1_000,
    trial_credits_per_ip_per_day: 1_000_000,
  },
};

interface Arrival {
  path: string;
  eventId: string;
  createdAtMs: number;
  receivedAtMs: number;
  verified: boolean;
}

async function startReceiver(secrets: Map<string, string>) {
  const arrivals: Arrival[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const receivedAtMs = Date.now();
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(rawBody) as { id: string; created_at: string };
      const path = request.url ?? '/';
      const verified = verifyFrameseekSignature(rawBody, String(request.headers['frameseek-signature'] ?? ''), secrets.get(path) ?? '');
      arrivals.push({ path, eventId: body.id, createdAtMs: Date.parse(body.created_at), receivedAtMs, verified });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    arrivals,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

async function startStack(dataDir: string, allow: string): Promise<{ child: ChildProcess; url: string }> {
  const env = { ...process.env, PORT: '0', FRAMESEEK_DATA_DIR: dataDir, FRAMESEEK_PLAN_OVERRIDES: JSON.stringify(RAISED), FRAMESEEK_URL_GUARD_ALLOW: allow };
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((done, fail) => {
    const timer = setInterval(() => {
      const listening = /Frameseek listening on (\S+)/.exec(output)?.[1];
      if (listening) {
        clearInterval(timer);
        done(listening);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      fail(new Error(`runtime exited (${code}): ${output}`));
    });
  });
  return { child, url };
}

async function call<T>(url: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await response.json()) as { data: T };
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed.data;
}

/** An account with a collection and `endpoints` endpoints for video.created, each on its own receiver path. */
async function setUp(url: string, origin: string, secrets: Map<string, string>, name: string, endpoints: number) {
  const signedUp = await call<{ session: { token: string } }>(url, 'POST', '/v1/auth/signup', undefined, {
    email: `${name}-${Date.now()}@example.com`,
    password: 'benchmark password',
  });
  const token = signedUp.session.token;
  const collection = await call<{ id: string }>(url, 'POST', '/v1/collections', token, { name });
  for (let index = 0; index < endpoints; index += 1) {
    const path = `/${name}/${index}`;
    const created = await call<{ secret: string }>(url, 'POST', '/v1/webhooks', token, { url: `${origin}${path}`, events: ['video.created'] });
    secrets.set(path, created.secret);
  }
  return { token, collectionId: collection.id };
}

/** `count` declared uploads (each writes video.created), `concurrency` at a time. */
async function declareUploads(url: string, token: string, collectionId: string, count: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        await call(url, 'POST', '/v1/uploads', token, { collection_id: collectionId, filename: `v${next}.mp4`, size_bytes: 1000, content_type: 'video/mp4' });
      }
    }),
  );
}

/** The first arrival of each (endpoint, event) under `prefix` once `expected` are in; at least once means a few may come twice. */
async function arrivalsOf(arrivals: Arrival[], prefix: string, expected: number, timeoutMs: number): Promise<{ first: Arrival[]; repeats: number }> {
  const deadline = Date.now() + timeoutMs;
  const firsts = () => {
    const seen = new Map<string, Arrival>();
    for (const arrival of arrivals)
      if (arrival.path.startsWith(prefix) && !seen.has(`${arrival.path} ${arrival.eventId}`)) seen.set(`${arrival.path} ${arrival.eventId}`, arrival);
    return [...seen.values()];
  };
  while (firsts().length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const first = firsts();
  return { first, repeats: arrivals.filter((arrival) => arrival.path.startsWith(prefix)).length - first.length };
}

export async function webhooksBench(events = 1000): Promise<void> {
  const secrets = new Map<string, string>();
  const receiver = await startReceiver(secrets);
  const dataDir = mkdtempSync(join(tmpdir(), 'frameseek-bench-webhooks-'));
  const { child, url } = await startStack(dataDir, new URL(receiver.origin).host);
  try {
    console.log(`\nWebhooks (local stack, DynamoDB Local on disk; limits raised for the run: ${JSON.stringify(RAISED)})`);
    const single = await setUp(url, receiver.origin, secrets, 'latency', 1);
    await declareUploads(url, single.token, single.collectionId, events, 1);
    const latencyArrivals = await arrivalsOf(receiver.arrivals, '/latency/', events, 120_000);
    const latency = stats(latencyArrivals.first.map((arrival) => arrival.receivedAtMs - arrival.createdAtMs));
    console.log(
      `  latency, event written → received (${latency.count}/${events} events one after another, 1 endpoint): p50 ${latency.p50.toFixed(0)} ms  p99 ${latency.p99.toFixed(0)} ms  mean ${latency.mean.toFixed(0)} ms; ${latencyArrivals.repeats} delivered twice`,
    );

    const fanEvents = Math.max(1, Math.round(events / 5));
    const wide = await setUp(url, receiver.origin, secrets, 'throughput', ENDPOINTS);
    await declareUploads(url, wide.token, wide.collectionId, fanEvents, UPLOAD_CONCURRENCY);
    const { first: wideArrivals, repeats } = await arrivalsOf(receiver.arrivals, '/throughput/', fanEvents * ENDPOINTS, 180_000);
    const firstWritten = Math.min(...wideArrivals.map((arrival) => arrival.createdAtMs));
    const lastReceived = Math.max(...wideArrivals.map((arrival) => arrival.receivedAtMs));
    const perSecond = wideArrivals.length / ((lastReceived - firstWritten) / 1000);
    console.log(
      `  throughput, ${ENDPOINTS} endpoints: ${wideArrivals.length}/${fanEvents * ENDPOINTS} deliveries of ${fanEvents} events in ${((lastReceived - firstWritten) / 1000).toFixed(1)} s = ${perSecond.toFixed(0)} deliveries/s (uploads declared ${UPLOAD_CONCURRENCY} at a time); ${repeats} delivered twice`,
    );
    const unverified = receiver.arrivals.filter((arrival) => !arrival.verified).length;
    console.log(`  signatures that did not verify: ${unverified} of ${receiver.arrivals.length}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await webhooksBench(Number(process.argv[2] ?? 1000));
