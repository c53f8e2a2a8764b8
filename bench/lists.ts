import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '#infra/local/runtime';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/credentials';
import { postJson, stats, type Stats } from './support';

/**
 * Lists by cursor (issue 23, "Lists"): one account with 10 000 videos (and their jobs) in 1 000
 * collections, beside 10 other accounts with 200 videos each, on the local stack run as `npm start`
 * runs it (its own process, DynamoDB Local on disk — under /dev/shm where there is one: seeding 24 000
 * rows into its SQLite file on a busy disk took longer than the whole run may). Accounts and keys are made through the API; the rows are
 * seeded straight into the table by a worker (this file as a child, pointed at the stack's DynamoDB),
 * with the account counters the writes would have kept. Then, through HTTP, the first, middle and
 * last page of each list by cursor (and, beside them, the same pages by `page`, which reads every
 * row before the one asked for). Goal: p50 ≤ 20 ms for any page by cursor. Prints figures; asserts nothing.
 *
 * `npx tsx bench/lists.ts`, or `npm run bench -- --only lists`.
 */
const SELF = fileURLToPath(import.meta.url);
const VIDEOS = 10_000;
const COLLECTIONS = 1_000;
const OTHER_ACCOUNTS = 10;
const OTHER_VIDEOS = 200;
const SAMPLES = 60;
const GOAL_P50_MS = 20;
const RAISED = {
  plans: { free: { active_api_keys: 5 } },
  rate_limits: { per_minute: { videos: 1_000_000, jobs: 1_000_000, collections_read: 1_000_000, collections_write: 1_000_000, account: 1_000_000 } },
};

interface SeedJob {
  target: { accountId: string; collections: number; videos: number };
  others: Array<{ accountId: string; collections: number; videos: number }>;
}

interface Stack {
  child: ChildProcess;
  url: string;
  dynamoDbEndpoint: string;
}

async function startStack(dataDir: string): Promise<Stack> {
  const env = { ...process.env, PORT: '0', FRAMESEEK_DATA_DIR: dataDir, FRAMESEEK_PLAN_OVERRIDES: JSON.stringify(RAISED) };
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  return new Promise<Stack>((done, fail) => {
    const timer = setInterval(() => {
      const url = /Frameseek listening on (\S+)/.exec(output)?.[1];
      const dynamoDbEndpoint = /DynamoDB Local \S+ at (\S+?),/.exec(output)?.[1];
      if (url && dynamoDbEndpoint) {
        clearInterval(timer);
        done({ child, url, dynamoDbEndpoint });
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      fail(new Error(`runtime exited (${code}): ${output}`));
    });
  });
}

async function stopStack(stack: Stack): Promise<void> {
  if (stack.child.exitCode !== null || stack.child.signalCode !== null) return;
  const exited = new Promise((done) => stack.child.once('exit', done));
  stack.child.kill('SIGINT');
  await exited;
}

async function tenant(url: string, name: string): Promise<{ accountId: string; key: string }> {
  const signedUp = await postJson<{ session: { token: string }; account: { id: string } }>(url, '/v1/auth/signup', {
    email: `${name}-${Date.now()}@bench.example.com`,
    password: 'benchmark password',
  });
  const { key } = await postJson<{ key: string }>(url, '/v1/api_keys', { name: 'bench', permissions: 'all' }, signedUp.session.token);
  return { accountId: signedUp.account.id, key };
}

interface ListPage {
  data: Array<{ id: string }>;
  meta: { total: number; next_cursor: string | null };
}

async function getPage(url: string, key: string, path: string): Promise<ListPage> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path} → ${response.status}: ${text}`);
  return JSON.parse(text) as ListPage;
}

/** Walks the whole list by cursor once: every page's cursor, and whether every row came once. */
async function walk(
  url: string,
  key: string,
  path: string,
): Promise<{ cursors: Array<string | null>; rows: number; unique: number; total: number; millis: number }> {
  const cursors: Array<string | null> = [null];
  const ids = new Set<string>();
  let rows = 0;
  let total = 0;
  const started = performance.now();
  for (;;) {
    const cursor = cursors.at(-1) ?? null;
    const page = await getPage(url, key, cursor === null ? path : `${path}&cursor=${encodeURIComponent(cursor)}`);
    total = page.meta.total;
    rows += page.data.length;
    for (const item of page.data) ids.add(item.id);
    if (page.meta.next_cursor === null) break;
    cursors.push(page.meta.next_cursor);
  }
  return { cursors, rows, unique: ids.size, total, millis: performance.now() - started };
}

async function timeGets(url: string, key: string, path: string, samples: number): Promise<Stats> {
  const millis: number[] = [];
  await getPage(url, key, path);
  for (let index = 0; index < samples; index += 1) {
    const started = performance.now();
    await getPage(url, key, path);
    millis.push(performance.now() - started);
  }
  return stats(millis);
}

function line(label: string, figures: Stats, goal?: number): string {
  const ratio = goal === undefined ? '' : `  (${(figures.p50 / goal).toFixed(2)}× of the ${goal} ms goal)`;
  return `  ${label.padEnd(58)} p50 ${figures.p50.toFixed(1).padStart(7)} ms  p99 ${figures.p99.toFixed(1).padStart(7)} ms${ratio}`;
}

async function seed(stack: Stack, job: SeedJob, dataDir: string): Promise<void> {
  const jobFile = join(dataDir, 'lists-seed.json');
  writeFileSync(jobFile, JSON.stringify(job));
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, 'seed', jobFile], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      FRAMESEEK_DYNAMODB_ENDPOINT: stack.dynamoDbEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`lists seed worker exited with ${code}`);
}

export async function listsBench(): Promise<void> {
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'frameseek-bench-lists-'));
  const stack = await startStack(dataDir);
  try {
    console.log(`\nLists by cursor (${VIDEOS} videos and jobs in ${COLLECTIONS} collections, beside ${OTHER_ACCOUNTS} accounts of ${OTHER_VIDEOS} videos)`);
    console.log(`  data (DynamoDB Local's file): ${dataDir}`);
    console.log(
      `  load average before: ${loadavg()
        .map((value) => value.toFixed(1))
        .join(' / ')} (2 cores, shared: figures are pessimistic)`,
    );
    const target = await tenant(stack.url, 'lists-target');
    const others = [];
    for (let index = 0; index < OTHER_ACCOUNTS; index += 1) others.push(await tenant(stack.url, `lists-other-${index}`));
    const seedStarted = performance.now();
    await seed(
      stack,
      {
        target: { accountId: target.accountId, collections: COLLECTIONS, videos: VIDEOS },
        others: others.map((other) => ({ accountId: other.accountId, collections: OTHER_VIDEOS / 10, videos: OTHER_VIDEOS })),
      },
      dataDir,
    );
    console.log(
      `  seeded ${2 * (VIDEOS + COLLECTIONS) + OTHER_ACCOUNTS * (OTHER_VIDEOS * 2 + (OTHER_VIDEOS / 10) * 2)} rows in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
    );

    const lists = [
      { name: 'videos', path: '/v1/videos?per_page=20' },
      { name: 'videos, 100 a page', path: '/v1/videos?per_page=100' },
      { name: 'jobs', path: '/v1/jobs?per_page=20' },
      { name: 'collections (4 thumbnails each)', path: '/v1/collections?per_page=20' },
    ];
    const p50s: number[] = [];
    for (const { name, path } of lists) {
      const walked = await walk(stack.url, target.key, path);
      const pages = walked.cursors.length;
      console.log(
        `  ${name}: walked ${pages} pages by cursor in ${(walked.millis / 1000).toFixed(1)} s (${(walked.millis / pages).toFixed(1)} ms a page); ` +
          `${walked.rows} rows, ${walked.unique} distinct, meta.total ${walked.total}`,
      );
      const positions: Array<[string, number]> = [
        ['first', 0],
        ['middle', Math.floor(pages / 2)],
        ['last', pages - 1],
      ];
      for (const [label, position] of positions) {
        const cursor = walked.cursors[position] ?? null;
        const figures = await timeGets(stack.url, target.key, cursor === null ? path : `${path}&cursor=${encodeURIComponent(cursor)}`, SAMPLES);
        p50s.push(figures.p50);
        console.log(line(`${name}, ${label} page by cursor (page ${position + 1})`, figures, GOAL_P50_MS));
      }
      const perPage = Number(/per_page=(\d+)/.exec(path)?.[1] ?? 20);
      const deepest = Math.min(pages, Math.floor(10_000 / perPage));
      const byPage = await timeGets(stack.url, target.key, `${path}&page=${deepest}`, Math.max(5, Math.floor(SAMPLES / 6)));
      console.log(line(`${name}, page=${deepest} by page (reads the rows before it)`, byPage));
    }
    const collectionId = await getPage(stack.url, target.key, '/v1/collections?per_page=1').then((page) => page.data[0]?.id ?? '');
    console.log(
      line(
        'videos of one collection (GSI1), first page',
        await timeGets(stack.url, target.key, `/v1/videos?collection_id=${collectionId}`, SAMPLES),
        GOAL_P50_MS,
      ),
    );
    try {
      console.log(line('videos, status=ready (total counted: no counter per status)', await timeGets(stack.url, target.key, '/v1/videos?status=ready', 10)));
    } catch (error) {
      console.log(`  videos, status=ready (total counted: no counter per status): failed, ${error instanceof Error ? error.message : String(error)}`);
    }
    const worst = Math.max(...p50s);
    console.log(`  worst p50 by cursor: ${worst.toFixed(1)} ms (${(worst / GOAL_P50_MS).toFixed(2)}× of the ${GOAL_P50_MS} ms goal)`);
    console.log(
      `  load average after: ${loadavg()
        .map((value) => value.toFixed(1))
        .join(' / ')}`,
    );
  } finally {
    await stopStack(stack);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// =====================================================================================
// Worker: rows straight into the table, as the API's writes would leave them
// =====================================================================================

async function seedWorker(job: SeedJob): Promise<void> {
  const { BatchWriteCommand, UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
  const { db, tableName } = await import('#lib/db/client');
  const { keys } = await import('#lib/db/keys');
  const { newId } = await import('#lib/ids');
  const { sourceKey, thumbnailKey } = await import('#lib/storage/layout');
  const { newUploadingVideo } = await import('#lib/db/videos');
  const { newQueuedJob } = await import('#lib/db/jobs');

  const items: Array<Record<string, unknown>> = [];
  const counters: Array<{ accountId: string; collections: number; videos: number }> = [];
  for (const account of [job.target, ...job.others]) {
    const created = Date.now() - account.videos * 1000;
    const collectionIds = Array.from({ length: account.collections }, () => newId('collection'));
    // What refreshCollectionThumbnails keeps on each collection: its newest videos' thumbnails.
    const thumbnailsOf = new Map<string, string[]>(collectionIds.map((id) => [id, []]));
    for (const [index, collectionId] of collectionIds.entries()) {
      items.push({
        thumbnail_keys: thumbnailsOf.get(collectionId),
        ...keys.collection(account.accountId, collectionId),
        collection_id: collectionId,
        account_id: account.accountId,
        name: `collection ${index}`,
        name_key: `collection ${index}`,
        status: 'active',
        created_at: new Date(created).toISOString(),
        updated_at: new Date(created).toISOString(),
        video_count: account.videos / account.collections,
        total_duration_secs: 60 * (account.videos / account.collections),
        storage_bytes: 0,
      });
      items.push({ ...keys.collectionNameGuard(account.accountId, `collection ${index}`), collection_id: collectionId });
    }
    for (let index = 0; index < account.videos; index += 1) {
      const videoId = newId('video');
      const jobId = newId('job');
      const collectionId = collectionIds[index % collectionIds.length] ?? '';
      const at = new Date(created + index * 1000).toISOString();
      const video = newUploadingVideo({
        video_id: videoId,
        account_id: account.accountId,
        collection_id: collectionId,
        job_id: jobId,
        upload_id: newId('upload'),
        filename: `clip-${index}.mp4`,
        mime_type: 'video/mp4',
        container: 'mp4',
        source_key: sourceKey(account.accountId, videoId, 'mp4'),
        declared_size_bytes: 1_000_000,
        webhook_url: null,
        created_at: at,
        reserved_indexing_micros: 0,
        sha256: null,
      });
      thumbnailsOf.get(collectionId)?.unshift(thumbnailKey(account.accountId, videoId, 1));
      thumbnailsOf.get(collectionId)?.splice(4);
      items.push({
        ...keys.video(account.accountId, videoId),
        ...keys.videoIndex(collectionId, videoId),
        ...video,
        status: 'ready',
        file_size_bytes: 1_000_000,
        duration_secs: 60,
        width: 1280,
        height: 720,
        fps: 25,
        codec: 'h264',
        thumbnail_key: thumbnailKey(account.accountId, videoId, 1),
        segments_count: 12,
        indexed_job_id: jobId,
      });
      const queued = newQueuedJob({ ...video, created_at: at }, 'queued');
      items.push({
        ...keys.job(account.accountId, jobId),
        ...keys.jobIndex(collectionId, jobId),
        ...queued,
        status: 'done',
        stage: 'done',
        progress_pct: 100,
      });
    }
    counters.push({ accountId: account.accountId, collections: account.collections, videos: account.videos });
  }

  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let start = 0; start < items.length; start += 25) batches.push(items.slice(start, start + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const batch = batches[next] ?? [];
        next += 1;
        if (next % 200 === 0) console.log(`  seeding: ${next * 25} of ${items.length} rows`);
        let pending: Record<string, Array<{ PutRequest: { Item: Record<string, unknown> } }>> | undefined = {
          [tableName]: batch.map((Item) => ({ PutRequest: { Item } })),
        };
        while (pending && Object.keys(pending).length > 0) {
          const request = pending;
          // A busy machine can stall DynamoDB Local past the client's request timeout: a batch is written again (puts repeat harmlessly).
          const result = await db.send(new BatchWriteCommand({ RequestItems: request })).catch((error: unknown) => {
            if (error instanceof Error && error.name === 'TimeoutError') return { UnprocessedItems: request };
            throw error;
          });
          pending = result.UnprocessedItems as typeof pending;
        }
      }
    }),
  );
  // The counters the API's writes keep with each row (lib/db/accounts.ts, ListCounter).
  for (const { accountId, collections, videos } of counters) {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.account(accountId),
        UpdateExpression: 'ADD collection_count :collections, video_count :videos, job_count :videos',
        ExpressionAttributeValues: { ':collections': collections, ':videos': videos },
      }),
    );
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  if (process.argv[2] === 'seed') {
    const jobFile = process.argv[3];
    if (!jobFile || !existsSync(jobFile)) throw new Error('usage: lists.ts seed <job.json>');
    await seedWorker(JSON.parse(readFileSync(jobFile, 'utf8')) as SeedJob);
  } else {
    await listsBench();
  }
  process.exit(0);
}
