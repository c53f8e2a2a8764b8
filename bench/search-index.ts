import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LanceSearchIndex, type VectorIndexSettings } from '#lib/search/lance-index';
import type { Scope, SegmentHit, SegmentRow } from '#lib/search/types';
import { randomSource, stats, wordList, type Stats } from './support';

/**
 * `npx tsx bench/search-index.ts`: the raw SearchIndex (LanceDB) on a synthetic 100-hour library —
 * frames every 2 s with clustered 512-d vectors, a transcript sentence every ~5 s, on-screen text
 * every ~30 s — spread over 50 accounts. Measures writes, k-NN and full-text latency without and
 * with a vector index (IVF_HNSW_SQ and IVF_PQ, a few query settings each), recall against exact
 * search, disk and memory. Prints figures; asserts nothing.
 */
const { values: options } = parseArgs({
  options: {
    hours: { type: 'string', default: '100' },
    accounts: { type: 'string', default: '50' },
    dimension: { type: 'string', default: '512' },
    queries: { type: 'string', default: '200' },
    limit: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
  },
});
const HOURS = Number(options.hours);
const ACCOUNTS = Number(options.accounts);
const DIMENSION = Number(options.dimension);
const QUERIES = Number(options.queries);
const LIMIT = Number(options.limit);
const EMBEDDER = 'bench-clustered@1';

// ---- deterministic randomness ----

const rng = randomSource(20_240_601);
const { random, between, pick, gaussian } = rng;

function normalised(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i += 1) vector[i] = (vector[i] ?? 0) * scale;
  return vector;
}

function noise(scale: number): Float32Array {
  const vector = new Float32Array(DIMENSION);
  for (let i = 0; i < DIMENSION; i += 1) vector[i] = (gaussian() * scale) / Math.sqrt(DIMENSION);
  return vector;
}

function blend(...parts: [Float32Array, number][]): Float32Array {
  const vector = new Float32Array(DIMENSION);
  for (const [part, weight] of parts) for (let i = 0; i < DIMENSION; i += 1) vector[i] = (vector[i] ?? 0) + (part[i] ?? 0) * weight;
  return normalised(vector);
}

// ---- words ----

const WORDS = wordList(rng);
/** Zipf-like: a few words are very common, most are rare (as in speech). */
function word(): string {
  return WORDS[Math.min(WORDS.length - 1, Math.floor(Math.exp(random() * Math.log(WORDS.length + 1)) - 1))] ?? 'word';
}
const sentence = (length: number) => Array.from({ length }, word).join(' ');

// ---- the library ----

interface Video {
  account: string;
  collection: string;
  id: string;
  rows: SegmentRow[];
}

const CENTRES = Array.from({ length: 400 }, () => normalised(noise(1)));

function videoRows(account: string, collection: string, id: string, seconds: number): SegmentRow[] {
  const rows: SegmentRow[] = [];
  const base = { account_id: account, collection_id: collection, video_id: id, thumbnail_key: '' };
  // Scenes of 10–60 s around one of the shared centres; frames drift a little inside a scene.
  let sceneEnds = 0;
  let scene = CENTRES[0] as Float32Array;
  for (let start = 0; start < seconds; start += 2) {
    if (start >= sceneEnds) {
      scene = blend([pick(CENTRES), 1], [noise(1), 0.6]);
      sceneEnds = start + between(10, 60);
    }
    const vector = blend([scene, 1], [noise(1), 0.3]);
    rows.push({
      ...base,
      id: `${id}:frame:${start}`,
      type: 'frame',
      start_secs: start,
      end_secs: start + 2,
      text: '',
      words_json: '',
      thumbnail_key: `t/${id}/${start}.jpg`,
      vector,
      embedder: EMBEDDER,
    });
  }
  for (let start = 0; start < seconds; start += between(3, 7)) {
    const text = sentence(between(6, 14));
    const words = text.split(' ').map((spoken, index) => ({ word: spoken, start: start + index * 0.35, end: start + index * 0.35 + 0.3 }));
    rows.push({
      ...base,
      id: `${id}:transcript:${start}`,
      type: 'transcript',
      start_secs: start,
      end_secs: start + 5,
      text,
      words_json: JSON.stringify(words),
      vector: null,
      embedder: '',
    });
  }
  for (let start = 0; start < seconds; start += between(20, 40)) {
    rows.push({
      ...base,
      id: `${id}:ocr:${start}`,
      type: 'ocr',
      start_secs: start,
      end_secs: start + 4,
      text: sentence(between(2, 5)),
      words_json: '',
      vector: null,
      embedder: '',
    });
  }
  return rows;
}

function library(): Video[] {
  const videos: Video[] = [];
  let seconds = 0;
  let index = 0;
  while (seconds < HOURS * 3600) {
    // Every account gets a video first; the rest go mostly to the first accounts (a few big tenants).
    const account = index < ACCOUNTS ? index : Math.min(ACCOUNTS - 1, Math.floor(Math.exp(random() * Math.log(ACCOUNTS + 1)) - 1));
    const collections = 1 + (account % 4);
    const length = between(30, 120) * 60;
    const id = `vid_${String(index).padStart(4, '0')}`;
    const collection = `col_${account}_${index % collections}`;
    videos.push({ account: `acc_${account}`, collection, id, rows: videoRows(`acc_${account}`, collection, id, length) });
    seconds += length;
    index += 1;
  }
  return videos;
}

// ---- measuring ----

const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
const line = (label: string, figures: Stats, extra = '') =>
  console.log(`  ${label.padEnd(34)} p50 ${ms(figures.p50)}  p99 ${ms(figures.p99)}  mean ${ms(figures.mean)}${extra}`);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

async function measure<Q, T>(label: string, queries: readonly Q[], run: (query: Q) => Promise<T>, describe?: (results: T[]) => string): Promise<T[]> {
  for (const query of queries.slice(0, 10)) await run(query);
  const samples: number[] = [];
  const results: T[] = [];
  for (const query of queries) {
    const [result, millis] = await timed(() => run(query));
    samples.push(millis);
    results.push(result);
  }
  line(label, stats(samples), describe === undefined ? '' : `  ${describe(results)}`);
  return results;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const diskUsage = (directory: string) => Number(execFileSync('du', ['-sb', directory]).toString().split('\t')[0]);
function memory(): string {
  const status = readFileSync('/proc/self/status', 'utf8');
  const peak = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return `RSS ${megabytes(process.memoryUsage().rss)}, peak ${peak === undefined ? '?' : megabytes(Number(peak) * 1024)}`;
}

// ---- queries ----

interface FrameQuery {
  scope: Scope;
  vector: Float32Array;
}

function frameQueries(videos: readonly Video[], scopeOf: (video: Video) => Scope, filter: (video: Video) => boolean = () => true): FrameQuery[] {
  const eligible = videos.filter(filter);
  return Array.from({ length: QUERIES }, () => {
    const video = pick(eligible);
    const frame = pick(video.rows.filter((row) => row.vector !== null));
    return { scope: scopeOf(video), vector: blend([frame.vector ?? new Float32Array(DIMENSION), 1], [noise(1), 0.3]) };
  });
}

interface TextQuery {
  scope: Scope;
  text: string;
}

function textQueries(videos: readonly Video[], scopeOf: (video: Video) => Scope, shape: (words: string[]) => string): TextQuery[] {
  return Array.from({ length: QUERIES }, () => {
    const video = pick(videos);
    const spoken = pick(video.rows.filter((row) => row.type === 'transcript'));
    return { scope: scopeOf(video), text: shape(spoken.text.split(' ')) };
  });
}

const twoWords = (words: string[]) => {
  const at = between(0, words.length - 2);
  return words.slice(at, at + 2).join(' ');
};
const longest = (words: string[]) => [...words].sort((a, b) => b.length - a.length)[0] ?? 'word';
/** Swaps two inner letters of the longest word: `quick` → `quikc`. */
function typo(words: string[]): string {
  const target = longest(words);
  if (target.length < 5) return target;
  const at = between(1, target.length - 3);
  return `${target.slice(0, at)}${target[at + 1]}${target[at]}${target.slice(at + 2)}`;
}
const prefix = (words: string[]) => longest(words).slice(0, Math.max(4, longest(words).length - 4));

const account = (video: Video): Scope => ({ accountId: video.account });
const collection = (video: Video): Scope => ({ accountId: video.account, collectionId: video.collection });

const countHits = (results: SegmentHit[][]) => {
  const counts = results.map((hits) => hits.length);
  return `hits min ${Math.min(...counts)} mean ${(counts.reduce((a, b) => a + b, 0) / counts.length).toFixed(1)}`;
};

function recall(truth: SegmentHit[][], found: SegmentHit[][], k: number): number {
  let total = 0;
  truth.forEach((exact, position) => {
    const wanted = new Set(exact.slice(0, k).map((hit) => hit.row.id));
    const got = (found[position] ?? []).slice(0, k).filter((hit) => wanted.has(hit.row.id)).length;
    total += wanted.size === 0 ? 1 : got / wanted.size;
  });
  return total / truth.length;
}

async function vectorRuns(
  label: string,
  directory: string,
  settings: Partial<VectorIndexSettings>[],
  suites: [string, FrameQuery[], SegmentHit[][]][],
): Promise<void> {
  for (const setting of settings) {
    const index = LanceSearchIndex.open(directory, { timeoutMs: 60_000, vectorIndex: setting });
    const name = Object.entries(setting)
      .filter(([key]) => key !== 'kind' && key !== 'minRows')
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    for (const [suite, queries, truth] of suites) {
      await measure(
        `${label} ${name} ${suite}`,
        queries,
        (query) => index.nearestFrames(query.scope, EMBEDDER, query.vector, LIMIT),
        (results) => {
          return `${countHits(results)}  recall@10 ${recall(truth, results, 10).toFixed(3)} @${LIMIT} ${recall(truth, results, LIMIT).toFixed(3)}`;
        },
      );
    }
  }
}

// ---- run ----

const directory = mkdtempSync(join(tmpdir(), 'frameseek-bench-index-'));
console.log(`Search index bench: ${HOURS} h, ${ACCOUNTS} accounts, ${DIMENSION}-d vectors, ${QUERIES} queries per figure, limit ${LIMIT}; ${directory}`);
const [videos, generating] = await timed(async () => library());
const rowsOf = (type: string) => videos.reduce((sum, video) => sum + video.rows.filter((row) => row.type === type).length, 0);
const rowsPerAccount = new Map<string, number>();
for (const video of videos) rowsPerAccount.set(video.account, (rowsPerAccount.get(video.account) ?? 0) + video.rows.length);
const sizes = [...rowsPerAccount.values()].sort((a, b) => a - b);
console.log(
  `Library: ${videos.length} videos, ${rowsOf('frame')} frames, ${rowsOf('transcript')} transcript rows, ${rowsOf('ocr')} OCR rows; rows per account min ${sizes[0]} max ${sizes.at(-1)}; generated in ${(generating / 1000).toFixed(1)} s`,
);

// The library is loaded as the indexing worker would write it, but without optimising the text table
// after each video (that is measured at full size below); optimize() then builds every index at once.
const index = LanceSearchIndex.open(directory, { timeoutMs: 60_000, optimizeTextAfterWrite: false });
const writes: number[] = [];
const [, building] = await timed(async () => {
  for (const video of videos) writes.push((await timed(() => index.replaceVideo(video.account, video.id, video.rows)))[1]);
});
console.log(`\nLoading (replaceVideo per video: merge-insert commits, no text optimise)`);
line('replaceVideo', stats(writes), `  total ${(building / 1000).toFixed(1)} s; disk ${megabytes(diskUsage(directory))}; ${memory()}`);

const biggest = [...rowsPerAccount.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
const smallest = [...rowsPerAccount.entries()].sort((a, b) => a[1] - b[1])[0]?.[0];
const suites: [string, FrameQuery[]][] = [
  ['account', frameQueries(videos, account)],
  ['account+collection', frameQueries(videos, collection)],
  [`biggest account`, frameQueries(videos, account, (video) => video.account === biggest)],
  [`smallest account`, frameQueries(videos, account, (video) => video.account === smallest)],
];

console.log(`\nk-NN without a vector index (flat, exact; ${videos.length} fragments), limit ${LIMIT}`);
const exact: [string, FrameQuery[], SegmentHit[][]][] = [];
for (const [suite, queries] of suites) {
  exact.push([suite, queries, await measure(`flat ${suite}`, queries, (query) => index.nearestFrames(query.scope, EMBEDDER, query.vector, LIMIT), countHits)]);
}

const text = async (label: string, queries: TextQuery[], searcher = index) =>
  measure(label, queries, (query) => searcher.matchText(query.scope, ['transcript', 'ocr'], query.text, LIMIT), countHits);
console.log(`\nFull text before any optimize (every row unindexed: flat search), limit ${LIMIT}`);
await text('two words, account (flat)', textQueries(videos, account, twoWords).slice(0, 40));
await text('unfinished word (flat)', textQueries(videos, account, prefix).slice(0, 40));

const pqDirectory = `${directory}-pq`;
cpSync(directory, pqDirectory, { recursive: true });

console.log(`\nMaintenance: optimize() (compaction, text indexes, vector index)`);
for (const [kind, where] of [
  ['ivf_hnsw_sq', directory],
  ['ivf_pq', pqDirectory],
] as const) {
  const [reports, millis] = await timed(() => LanceSearchIndex.open(where, { timeoutMs: 60_000, vectorIndex: { kind } }).optimize());
  for (const report of reports) {
    console.log(
      `  ${kind.padEnd(12)} ${report.table.padEnd(44)} rows ${report.rows} fragments ${report.fragmentsBefore}→${report.fragmentsAfter} vector index ${report.vectorIndex} in ${report.millis} ms`,
    );
  }
  console.log(`  ${kind.padEnd(12)} total ${ms(millis)}; disk ${megabytes(diskUsage(where))}; ${memory()}`);
}
const [again, againMillis] = await timed(() => LanceSearchIndex.open(directory, { timeoutMs: 60_000 }).optimize());
console.log(
  `  optimize() again with nothing new: ${ms(againMillis)} (${again.map((report) => `${report.table} ${report.millis} ms, vector index ${report.vectorIndex}`).join('; ')})`,
);

console.log(`\nk-NN with a vector index (recall against the exact search above)`);
await vectorRuns(
  'hnsw_sq',
  directory,
  [
    { ef: 50, refineFactor: 1 },
    { ef: 100, refineFactor: 2 },
    { ef: 200, refineFactor: 2 },
  ],
  exact,
);
await vectorRuns(
  'ivf_pq',
  pqDirectory,
  [
    { nprobes: 10, refineFactor: 2 },
    { nprobes: 20, refineFactor: 5 },
    { nprobes: 40, refineFactor: 10 },
  ],
  exact,
);
rmSync(pqDirectory, { recursive: true, force: true });

console.log(`\nFull text (BM25) after optimize, limit ${LIMIT}`);
await text('two words, account', textQueries(videos, account, twoWords));
await text('two words, account+collection', textQueries(videos, collection, twoWords));
await text('one word with a typo', textQueries(videos, account, typo));
await text('typo, account+collection', textQueries(videos, collection, typo));
await text('unfinished word (prefix)', textQueries(videos, account, prefix));
await text(
  'no match (both stages run)',
  textQueries(videos, account, () => 'qqqzzzxw'),
);
const lagging = LanceSearchIndex.open(directory, { timeoutMs: 60_000, readConsistencySeconds: 10 });
await text('two words, readConsistency 10 s', textQueries(videos, account, twoWords), lagging);
const [, cold] = await timed(() =>
  LanceSearchIndex.open(directory, { readConsistencySeconds: 11 }).matchText({ accountId: 'acc_0' }, ['transcript'], 'hello world', LIMIT),
);
console.log(`  first query on a new connection (cold caches): ${ms(cold)}; ${memory()}`);

console.log(`\nWrites at full size (rewriting videos already indexed)`);
const refreshing = LanceSearchIndex.open(directory, { timeoutMs: 60_000 });
const sample = Array.from({ length: 6 }, (_, position) => videos[Math.floor(((position + 0.5) * videos.length) / 6)] as Video);
const timesOf = async (searcher: LanceSearchIndex) => {
  const samples: number[] = [];
  for (const video of sample) samples.push((await timed(() => searcher.replaceVideo(video.account, video.id, video.rows)))[1]);
  return stats(samples);
};
line('replaceVideo, text optimised after', await timesOf(refreshing), `  disk ${megabytes(diskUsage(directory))}`);
line('replaceVideo, no optimise', await timesOf(index), `  disk ${megabytes(diskUsage(directory))}`);
await text('typo, 6 videos unindexed', textQueries(sample, account, typo).slice(0, 60));
await text('two words, 6 videos unindexed', textQueries(sample, account, twoWords).slice(0, 60));
await measure('k-NN hnsw, 6 videos unindexed', suites[0]?.[1] ?? [], (query) => index.nearestFrames(query.scope, EMBEDDER, query.vector, LIMIT), countHits);
const [maintained, maintenance] = await timed(() => index.optimize());
console.log(`  optimize() after those writes: ${ms(maintenance)} (${maintained.map((report) => `${report.table} ${report.millis} ms`).join('; ')})`);
await text('typo, after optimize', textQueries(sample, account, typo).slice(0, 60));
await measure('k-NN hnsw, after optimize', suites[0]?.[1] ?? [], (query) => index.nearestFrames(query.scope, EMBEDDER, query.vector, LIMIT), countHits);
console.log(`  ${memory()}; disk ${megabytes(diskUsage(directory))}`);

if (!options.keep) rmSync(directory, { recursive: true, force: true });
