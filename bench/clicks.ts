import { pathToFileURL } from 'node:url';
import { clickBoost, CLICK_SATURATION, MAX_CLICK_BOOST } from '#lib/search/clicks';
import { fuse, type RankedList } from '#lib/search/fusion';
import type { SegmentHit } from '#lib/search/types';
import { randomSource, type RandomSource } from './support';

/**
 * Click boosts measured on a held-out click log (issue 24). No server: the ranking is
 * lib/search/fusion.ts's own `fuse` with the boosts lib/search/clicks.ts would give.
 *
 * The log is generated from a seed: one account, `queries` queries, each with 20 matching videos
 * that retrieval ranks imperfectly (the video most people mean sits at rank 1–8), and sessions in
 * time order. In a session the user means the query's usual video (80 %) or another of the top ten
 * (ambiguous queries), scans from the top and clicks the video meant with a position-biased
 * chance, and sometimes clicks something else by mistake (10 %).
 *
 * Split by time: the first half of sessions is history for tuning, the next quarter tunes
 * (bound × saturation grid, best MRR wins); the last quarter is held out, ranked with the clicks of
 * everything before it. MRR: mean of 1 / (rank of the video the user meant), before and after.
 */
const CANDIDATES = 20;
const BOUNDS = [0.01, 0.02, 0.03, 0.05];
const SATURATIONS = [1, 2, 3, 5];

interface Session {
  query: number;
  meant: string;
  clicked: string | null;
}

interface World {
  /** Per query: the videos in retrieval's order, best first. */
  retrieved: string[][];
  sessions: Session[];
}

function generate(rng: RandomSource, queries: number, sessions: number): World {
  const retrieved: string[][] = [];
  const usual: string[] = [];
  for (let query = 0; query < queries; query += 1) {
    const videos = Array.from({ length: CANDIDATES }, (_, index) => `vid_q${query}_${String(index).padStart(2, '0')}`);
    const order = [...videos].sort(() => rng.random() - 0.5);
    retrieved.push(order);
    usual.push(order[rng.between(0, 7)] ?? '');
  }
  const log: Session[] = [];
  for (let index = 0; index < sessions; index += 1) {
    const query = Math.min(queries - 1, Math.floor(queries * rng.random() ** 2));
    const order = retrieved[query] ?? [];
    const meant = rng.random() < 0.8 ? (usual[query] ?? '') : (order[rng.between(0, 9)] ?? '');
    const position = order.indexOf(meant) + 1;
    let clicked: string | null = null;
    if (rng.random() < 0.1) clicked = order[rng.between(0, 4)] ?? null;
    else if (rng.random() < 1 / Math.sqrt(position)) clicked = meant;
    log.push({ query, meant, clicked });
  }
  return { retrieved, sessions: log };
}

/** The order fuse() gives one query's videos with these clicks counted (each video one transcript match). */
function ranked(order: readonly string[], clicks: ReadonlyMap<string, number>, bound: number, saturation: number): string[] {
  const hits: SegmentHit[] = order.map((video, index) => ({
    row: {
      id: `${video}:transcript:0`,
      account_id: 'acc_bench',
      collection_id: 'col_bench',
      video_id: video,
      type: 'transcript',
      start_secs: 0,
      end_secs: 5,
      text: 'words',
      words_json: '',
      thumbnail_key: '',
      embedder: '',
    },
    raw_score: 30 - index,
  }));
  const lists: RankedList[] = [{ mode: 'transcript', source: 'text', hits }];
  const boosts = new Map([...clicks].map(([video, count]) => [video, clickBoost(count, bound, saturation)]));
  return fuse(lists, { embedder: 'none', hidden: new Set(), includeHidden: false, maxSegments: 1, page: 1, perPage: CANDIDATES, boosts }).videos.map(
    (video) => video.video_id,
  );
}

/** MRR over `evaluated`, ranking each with the clicks of `history` (bound 0: no boost). */
function mrr(world: World, history: readonly Session[], evaluated: readonly Session[], bound: number, saturation: number): number {
  const clicks = new Map<number, Map<string, number>>();
  for (const session of history) {
    if (session.clicked === null) continue;
    const counts = clicks.get(session.query) ?? new Map<string, number>();
    counts.set(session.clicked, (counts.get(session.clicked) ?? 0) + 1);
    clicks.set(session.query, counts);
  }
  const orders = new Map<number, string[]>();
  let sum = 0;
  for (const session of evaluated) {
    let order = orders.get(session.query);
    if (!order) {
      order = ranked(world.retrieved[session.query] ?? [], clicks.get(session.query) ?? new Map(), bound, saturation);
      orders.set(session.query, order);
    }
    sum += 1 / (order.indexOf(session.meant) + 1);
  }
  return sum / Math.max(1, evaluated.length);
}

export interface ClickBenchResult {
  tuned: { bound: number; saturation: number };
  shipped: { bound: number; saturation: number };
  heldOut: { sessions: number; mrrBefore: number; mrrTuned: number; mrrShipped: number };
}

export function clickBench(seed = 24, queries = 200, sessions = 8000): ClickBenchResult {
  const world = generate(randomSource(seed), queries, sessions);
  const [history, tune, heldOut] = [
    world.sessions.slice(0, sessions / 2),
    world.sessions.slice(sessions / 2, (sessions * 3) / 4),
    world.sessions.slice((sessions * 3) / 4),
  ];
  let best = { bound: 0, saturation: 1, score: mrr(world, history, tune, 0, 1) };
  for (const bound of BOUNDS) {
    for (const saturation of SATURATIONS) {
      const score = mrr(world, history, tune, bound, saturation);
      if (score > best.score) best = { bound, saturation, score };
    }
  }
  const before = world.sessions.slice(0, (sessions * 3) / 4);
  const result: ClickBenchResult = {
    tuned: { bound: best.bound, saturation: best.saturation },
    shipped: { bound: MAX_CLICK_BOOST, saturation: CLICK_SATURATION },
    heldOut: {
      sessions: heldOut.length,
      mrrBefore: mrr(world, before, heldOut, 0, 1),
      mrrTuned: mrr(world, before, heldOut, best.bound, best.saturation),
      mrrShipped: mrr(world, before, heldOut, MAX_CLICK_BOOST, CLICK_SATURATION),
    },
  };
  console.log(
    `clicks (seed ${seed}, ${queries} queries, ${sessions} sessions; held-out ${result.heldOut.sessions}): MRR ${result.heldOut.mrrBefore.toFixed(4)} without clicks → ` +
      `${result.heldOut.mrrShipped.toFixed(4)} with the shipped boost (bound ${MAX_CLICK_BOOST}, saturation ${CLICK_SATURATION}); ` +
      `tuned on the tune split: bound ${best.bound}, saturation ${best.saturation} → ${result.heldOut.mrrTuned.toFixed(4)}`,
  );
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) clickBench(Number(process.argv[2] ?? 24));
