/**
 * What the search index stores: one row per moment of a video. Ids are deterministic (video,
 * type, start) so that writing the same moment twice replaces it instead of adding a twin.
 */
export type SegmentType = 'frame' | 'transcript' | 'ocr';

export interface SegmentRow {
  id: string;
  account_id: string;
  collection_id: string;
  video_id: string;
  type: SegmentType;
  start_secs: number;
  end_secs: number;
  /** Transcript sentence or on-screen text; '' for frames. */
  text: string;
  /** Transcript rows: the words with absolute times, JSON `[{word,start,end}]`; '' otherwise. */
  words_json: string;
  /** Object key of the JPEG thumbnail nearest the moment ('' when none). */
  thumbnail_key: string;
  /** Frame rows: the picture's embedding (null for text rows). */
  vector: Float32Array | null;
  /** Frame rows: the embedder id that made `vector` (vectors of different embedders never mix). */
  embedder: string;
}

/** A transcript or OCR row as the text matcher holds it. */
export type TextSegmentRow = Omit<SegmentRow, 'vector' | 'words_json' | 'embedder'> & { type: 'transcript' | 'ocr' };

export interface Scope {
  accountId: string;
  collectionId?: string;
  videoId?: string;
}

export interface SegmentHit {
  row: Omit<SegmentRow, 'vector'>;
  /** Vector hits: cosine similarity in [-1, 1]. Text hits: the engine's BM25 score (≥ 0). */
  raw_score: number;
  /** Vector hits asked to be refined: the row's cosine similarity to the refining vector, in [-1, 1]. */
  refined_score?: number;
}

export type FrameWithVector = Omit<SegmentRow, 'vector'> & { vector: Float32Array };

export interface SearchIndex {
  /**
   * Makes `rows` the whole content of one video, in one commit: readers see either the old rows
   * or the new ones, never a mix or nothing. Safe to repeat with the same rows.
   */
  replaceVideo(accountId: string, videoId: string, rows: readonly SegmentRow[]): Promise<void>;
  deleteVideo(accountId: string, videoId: string): Promise<void>;
  deleteAccount(accountId: string): Promise<void>;
  /**
   * k nearest frame rows of `embedder` to `vector` (cosine), inside `scope`, best first. With
   * `refineWith` (a vector of the same model and size), each hit also carries its cosine to that
   * one as `refined_score`: a second query that re-orders the first's rows without a search of its own.
   */
  nearestFrames(scope: Scope, embedder: string, vector: Float32Array, limit: number, refineWith?: Float32Array): Promise<SegmentHit[]>;
  /** Full-text (BM25) match of `query` over transcript/ocr rows inside `scope`, best first (no word times); tolerant of typos and prefixes. */
  matchText(scope: Scope, types: readonly Exclude<SegmentType, 'frame'>[], query: string, limit: number): Promise<SegmentHit[]>;
  /** How many transcript and OCR rows an account has (which text matching suits it). */
  countTextRows(accountId: string): Promise<number>;
  /** Every transcript and OCR row of an account, without word times (for an in-process text matcher). */
  textRows(accountId: string): Promise<TextSegmentRow[]>;
  /** Every frame row of `embedder` inside `scope`, with its vector (the frame map's input), in no particular order. */
  frameVectors(scope: Scope, embedder: string): Promise<FrameWithVector[]>;
  /** Every row of a video of the given types (no vectors), in time order. */
  videoSegments(accountId: string, videoId: string, types: readonly SegmentType[]): Promise<Omit<SegmentRow, 'vector'>[]>;
  /** Rows per video (VideoDetail.segments_count). */
  countSegments(accountId: string, videoId: string): Promise<number>;
  /** Loads what the first read of a fresh process would, without a deadline (call once at start). */
  warm(): Promise<void>;
  /** Upkeep for a schedule: compaction, indexes brought up to date with new rows, old versions removed. */
  optimize(): Promise<TableMaintenance[]>;
}

/** What `optimize()` did to one table. */
export interface TableMaintenance {
  table: string;
  rows: number;
  fragmentsBefore: number;
  fragmentsAfter: number;
  vectorIndex: 'none' | 'created' | 'retrained' | 'kept';
  millis: number;
}

/** The index cannot answer now (engine error, timeout): search answers SEARCH_UNAVAILABLE. */
export class IndexUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexUnavailableError';
  }
}
