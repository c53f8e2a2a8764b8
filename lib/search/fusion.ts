import { calibrateText, calibrateVisual, VISUAL_MATCH_FLOOR, type QuerySource } from '#lib/search/calibration';
import type { SegmentHit, SegmentType } from '#lib/search/types';

/**
 * The pure core of POST /v1/search: ranked lists in, one page of videos out. No I/O.
 *
 * 1. Score every row: Reciprocal Rank Fusion, Σ weight / (60 + rank) over the lists it is in
 *    (rank 1-based), and its calibrated relevance (max over those lists, see calibration.ts).
 *    With an image in the query, image lists weigh 1 and text lists 0.5: the image leads, the
 *    text refines (and in video mode the text's list holds only the image's frames, re-ordered
 *    by their cosine to the text: search.ts). Otherwise every list weighs 1.
 * 2. Keep matches only: rows a text mode matched, and frames at or above VISUAL_MATCH_FLOOR.
 * 3. Merge touching moments of one video and type (gap ≤ 0.5 s) into one.
 * 4. Hidden (down-voted) moments are dropped, or kept and flagged with `includeHidden`. A down vote
 *    records the moment as it was answered (`video@start`), so a merged moment is hidden by the key
 *    of its start — which is also its first part's: merging happens before hiding, so the parts
 *    after a hidden start cannot come back as a moment of their own.
 * 5. Group by video: segments by score (as the contract says), at most `maxSegments`; videos by
 *    their best RRF ("RRF decides the order"), times the account's click boost for the query when
 *    it has one (bounded: lib/search/clicks.ts); a video's score is its best segment's.
 * 6. Rank segments across the whole result, then cut the page. `total` counts every video returned.
 * Every ordering ends on ids and times, so equal inputs give equal outputs.
 */

export type SearchMode = 'video' | 'transcript' | 'ocr';

export interface RankedList {
  mode: SearchMode;
  source: QuerySource;
  /** Best first. */
  hits: readonly SegmentHit[];
}

export interface FuseOptions {
  /** Id of the embedder that made the frame vectors, e.g. `frame-descriptor@1` (picks the calibration). */
  embedder: string;
  /** Down-voted moments, keyed by hiddenKey(). */
  hidden: ReadonlySet<string>;
  includeHidden: boolean;
  maxSegments: number;
  page: number;
  perPage: number;
  /** Click boosts of this account for this query, by video id (≥ 1; absent: 1). */
  boosts?: ReadonlyMap<string, number>;
}

export interface FusedSegment {
  video_id: string;
  collection_id: string;
  type: SegmentType;
  timestamp_start: number;
  timestamp_end: number;
  score: number;
  text_content: string | null;
  thumbnail_key: string;
  rank: number;
  hidden: boolean;
}

export interface FusedVideo {
  video_id: string;
  collection_id: string;
  score: number;
  segments: FusedSegment[];
}

export interface FusedResult {
  total: number;
  videos: FusedVideo[];
}

export const RRF_K = 60;
/** Weight of text lists when the query has an image. */
export const TEXT_WEIGHT_WITH_IMAGE = 0.5;
/** Moments of one type closer than this (seconds) are one moment. */
export const MERGE_GAP_SECS = 0.5;

/** What a down vote records: the moment as the search answered it. */
export function hiddenKey(videoId: string, timestampStart: number): string {
  return `${videoId}@${timestampStart}`;
}

interface ScoredRow {
  row: SegmentHit['row'];
  rrf: number;
  /** Calibrated, rounded to 4 decimals (the floor compares what the answer shows). */
  score: number;
  matched: boolean;
}

interface Moment {
  video_id: string;
  collection_id: string;
  type: SegmentType;
  start: number;
  end: number;
  score: number;
  rrf: number;
  text: string | null;
  thumbnail_key: string;
  hidden: boolean;
}

export function fuse(lists: readonly RankedList[], options: FuseOptions): FusedResult {
  for (const [name, value] of Object.entries({ maxSegments: options.maxSegments, page: options.page, perPage: options.perPage })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`fuse: ${name} must be an integer ≥ 1, got ${value}`);
  }
  const matches = scoreRows(lists, options.embedder).filter((scored) => scored.matched);
  const moments = mergeAdjacent(matches)
    .map((moment) => ({ ...moment, hidden: options.hidden.has(hiddenKey(moment.video_id, moment.start)) }))
    .filter((moment) => options.includeHidden || !moment.hidden);
  const videos = present(groupByVideo(moments, options.maxSegments, options.boosts ?? new Map()));
  const from = (options.page - 1) * options.perPage;
  return { total: videos.length, videos: videos.slice(from, from + options.perPage) };
}

function scoreRows(lists: readonly RankedList[], embedder: string): ScoredRow[] {
  const imageLeads = lists.some((list) => list.source === 'image');
  const byId = new Map<string, ScoredRow>();
  for (const list of lists) {
    const weight = imageLeads && list.source === 'text' ? TEXT_WEIGHT_WITH_IMAGE : 1;
    const isText = list.mode !== 'video';
    const seen = new Set<string>();
    list.hits.forEach((hit, index) => {
      if (seen.has(hit.row.id)) return; // a row twice in one list counts at its best rank only
      seen.add(hit.row.id);
      const score = round4(isText ? calibrateText(hit.raw_score) : calibrateVisual(hit.raw_score, embedder, list.source));
      const scored = byId.get(hit.row.id) ?? { row: hit.row, rrf: 0, score: 0, matched: false };
      scored.rrf += weight / (RRF_K + index + 1);
      scored.score = Math.max(scored.score, score);
      scored.matched ||= isText || score >= VISUAL_MATCH_FLOOR;
      byId.set(hit.row.id, scored);
    });
  }
  return [...byId.values()];
}

/** Touching or overlapping rows of one video and type become one moment. */
function mergeAdjacent(rows: readonly ScoredRow[]): Omit<Moment, 'hidden'>[] {
  const sorted = [...rows].sort(
    (a, b) =>
      compareText(a.row.video_id, b.row.video_id) ||
      compareText(a.row.type, b.row.type) ||
      a.row.start_secs - b.row.start_secs ||
      a.row.end_secs - b.row.end_secs ||
      compareText(a.row.id, b.row.id),
  );
  const runs: { first: ScoredRow; parts: ScoredRow[]; end: number }[] = [];
  for (const scored of sorted) {
    const run = runs.at(-1);
    const sameKind = run !== undefined && run.first.row.video_id === scored.row.video_id && run.first.row.type === scored.row.type;
    if (sameKind && scored.row.start_secs <= run.end + MERGE_GAP_SECS) {
      run.parts.push(scored);
      run.end = Math.max(run.end, scored.row.end_secs);
    } else {
      runs.push({ first: scored, parts: [scored], end: scored.row.end_secs });
    }
  }
  return runs.map(({ first, parts, end }) => {
    const best = [...parts].sort((a, b) => b.score - a.score || b.rrf - a.rrf || a.row.start_secs - b.row.start_secs)[0] ?? first;
    const texts = [...new Set(parts.map((part) => part.row.text).filter((text) => text !== ''))];
    return {
      video_id: first.row.video_id,
      collection_id: first.row.collection_id,
      type: first.row.type,
      start: first.row.start_secs,
      end,
      score: Math.max(...parts.map((part) => part.score)),
      rrf: Math.max(...parts.map((part) => part.rrf)),
      text: first.row.type === 'frame' ? null : texts.join(' '),
      thumbnail_key: best.row.thumbnail_key,
    };
  });
}

interface VideoGroup {
  video_id: string;
  collection_id: string;
  /** Best RRF of any of its moments: decides the video order. */
  rrf: number;
  /** Best score of any of its moments. */
  score: number;
  moments: Moment[];
}

function groupByVideo(moments: readonly Moment[], maxSegments: number, boosts: ReadonlyMap<string, number>): VideoGroup[] {
  const groups = new Map<string, VideoGroup>();
  for (const moment of moments) {
    const group = groups.get(moment.video_id) ?? { video_id: moment.video_id, collection_id: moment.collection_id, rrf: 0, score: 0, moments: [] };
    group.moments.push(moment);
    group.rrf = Math.max(group.rrf, moment.rrf);
    group.score = Math.max(group.score, moment.score);
    groups.set(moment.video_id, group);
  }
  for (const group of groups.values()) {
    group.moments.sort((a, b) => b.score - a.score || b.rrf - a.rrf || a.start - b.start || compareText(a.type, b.type));
    group.moments = group.moments.slice(0, maxSegments);
  }
  const ordering = (group: VideoGroup) => group.rrf * (boosts.get(group.video_id) ?? 1);
  return [...groups.values()].sort((a, b) => ordering(b) - ordering(a) || b.score - a.score || compareText(a.video_id, b.video_id));
}

/** Ranks count across the whole result, before the page is cut. */
function present(groups: readonly VideoGroup[]): FusedVideo[] {
  let rank = 0;
  return groups.map((group) => ({
    video_id: group.video_id,
    collection_id: group.collection_id,
    score: group.score,
    segments: group.moments.map((moment) => toSegment(moment, ++rank)),
  }));
}

function toSegment(moment: Moment, rank: number): FusedSegment {
  return {
    video_id: moment.video_id,
    collection_id: moment.collection_id,
    type: moment.type,
    timestamp_start: moment.start,
    timestamp_end: moment.end,
    score: moment.score,
    text_content: moment.text,
    thumbnail_key: moment.thumbnail_key,
    rank,
    hidden: moment.hidden,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
