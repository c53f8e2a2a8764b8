import type { TimedWord } from '#lib/ml/types';
import type { SegmentRow } from '#lib/search/types';
import { normalise } from '#lib/text';

/**
 * Turns what the chunks of a job found into the video's index rows. Pure: the same staged
 * chunks always give the same rows with the same ids, so writing them again replaces, never adds.
 */

/** What one chunk stages: frames with their picture vectors and on-screen text, and the words spoken. */
export interface StagedChunk {
  chunk_index: number;
  start_secs: number;
  end_secs: number;
  frames: StagedFrame[];
  /** Absolute times. */
  words: TimedWord[];
}

export interface StagedFrame {
  time: number;
  thumbnail_key: string;
  /** Float32 little-endian, base64. */
  vector_b64: string;
  /** On-screen text read at this frame ('' when none). */
  text: string;
}

export interface VideoIdentity {
  account_id: string;
  collection_id: string;
  video_id: string;
  duration_secs: number;
  embedder: string;
}

/** A sentence-sized window: a pause this long, this many words or this many seconds closes it. */
const SENTENCE_PAUSE_SECS = 0.8;
const SENTENCE_MAX_WORDS = 16;
const SENTENCE_MAX_SECS = 10;
/** Two readings of the same caption differ by a few characters of OCR noise at most. */
export const SAME_TEXT_SIMILARITY = 0.8;

export function segmentRows(video: VideoIdentity, chunks: readonly StagedChunk[]): SegmentRow[] {
  const frames = chunks.flatMap((chunk) => chunk.frames).sort((a, b) => a.time - b.time);
  const words = chunks.flatMap((chunk) => chunk.words).sort((a, b) => a.start - b.start);
  const thumbnailAt = nearestThumbnail(frames);
  return [...frameRows(video, frames), ...transcriptRows(video, words, thumbnailAt), ...ocrRows(video, frames)];
}

function rowId(video: VideoIdentity, type: SegmentRow['type'], startSecs: number, ordinal = 0): string {
  return `${video.video_id}:${type}:${Math.round(startSecs * 1000)}${ordinal ? `:${ordinal}` : ''}`;
}

function baseRow(video: VideoIdentity): Pick<SegmentRow, 'account_id' | 'collection_id' | 'video_id'> {
  return { account_id: video.account_id, collection_id: video.collection_id, video_id: video.video_id };
}

function frameEnd(frames: readonly StagedFrame[], index: number, durationSecs: number): number {
  const frame = frames[index];
  const next = frames[index + 1];
  const start = frame?.time ?? 0;
  return round(next ? next.time : Math.max(start, Math.min(durationSecs, start + 2)));
}

function frameRows(video: VideoIdentity, frames: readonly StagedFrame[]): SegmentRow[] {
  return frames.map((frame, index) => ({
    ...baseRow(video),
    id: rowId(video, 'frame', frame.time),
    type: 'frame',
    start_secs: frame.time,
    end_secs: frameEnd(frames, index, video.duration_secs),
    text: '',
    words_json: '',
    thumbnail_key: frame.thumbnail_key,
    vector: decodeVector(frame.vector_b64),
    embedder: video.embedder,
  }));
}

function transcriptRows(video: VideoIdentity, words: readonly TimedWord[], thumbnailAt: (secs: number) => string): SegmentRow[] {
  const windows: TimedWord[][] = [];
  let current: TimedWord[] = [];
  for (const word of words) {
    const first = current[0];
    const last = current.at(-1);
    const closes =
      first !== undefined &&
      last !== undefined &&
      (word.start - last.end > SENTENCE_PAUSE_SECS || current.length >= SENTENCE_MAX_WORDS || word.end - first.start > SENTENCE_MAX_SECS);
    if (closes) {
      windows.push(current);
      current = [];
    }
    current.push(word);
  }
  if (current.length) windows.push(current);

  return windows.flatMap((window) => {
    const first = window[0];
    const last = window.at(-1);
    if (!first || !last) return [];
    return [
      {
        ...baseRow(video),
        id: rowId(video, 'transcript', first.start),
        type: 'transcript' as const,
        start_secs: round(first.start),
        end_secs: round(last.end),
        text: window.map((word) => word.word).join(' '),
        words_json: JSON.stringify(window.map((word) => ({ word: word.word, start: round(word.start), end: round(word.end) }))),
        thumbnail_key: thumbnailAt(first.start),
        vector: null,
        embedder: '',
      },
    ];
  });
}

/** Consecutive frames showing the same text become one moment, from the first sighting to the last. */
function ocrRows(video: VideoIdentity, frames: readonly StagedFrame[]): SegmentRow[] {
  const rows: SegmentRow[] = [];
  let open: { text: string; readings: string[]; start: number; end: number; thumbnail: string } | undefined;
  const close = () => {
    if (!open) return;
    open.text = likeliestReading(open.readings);
    rows.push({
      ...baseRow(video),
      id: rowId(video, 'ocr', open.start),
      type: 'ocr',
      start_secs: open.start,
      end_secs: open.end,
      text: open.text,
      words_json: '',
      thumbnail_key: open.thumbnail,
      vector: null,
      embedder: '',
    });
    open = undefined;
  };
  frames.forEach((frame, index) => {
    const text = frame.text.trim();
    if (open && text && similarity(normalise(open.text), normalise(text)) >= SAME_TEXT_SIMILARITY) {
      open.readings.push(text);
      open.end = frameEnd(frames, index, video.duration_secs);
      return;
    }
    close();
    if (text) open = { text, readings: [text], start: frame.time, end: frameEnd(frames, index, video.duration_secs), thumbnail: frame.thumbnail_key };
  });
  close();
  return rows;
}

/**
 * The reading seen most often across the frames of one caption; on a tie the one with fewer words,
 * since OCR splits a word ("CAN DLE") far more often than it joins two. A run of equal readings
 * counts once: a frame whose picture did not change is not read again but carries the last
 * reading, and those copies are no evidence.
 */
function likeliestReading(readings: readonly string[]): string {
  const counts = new Map<string, number>();
  readings.forEach((reading, index) => {
    if (reading !== readings[index - 1]) counts.set(reading, (counts.get(reading) ?? 0) + 1);
  });
  const wordsIn = (text: string) => text.split(/\s+/).length;
  return [...counts.entries()].sort(([a, countA], [b, countB]) => countB - countA || wordsIn(a) - wordsIn(b) || a.localeCompare(b))[0]?.[0] ?? '';
}

function nearestThumbnail(frames: readonly StagedFrame[]): (secs: number) => string {
  return (secs) => {
    let best = frames[0]?.thumbnail_key ?? '';
    for (const frame of frames) {
      if (frame.time > secs) break;
      best = frame.thumbnail_key;
    }
    return best;
  };
}

/** 1 − edit distance / longer length: 1 for equal strings, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return 1 - (previous[b.length] ?? longer) / longer;
}

export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

export function decodeVector(encoded: string): Float32Array {
  const bytes = Buffer.from(encoded, 'base64');
  // Copy into an aligned buffer: a Buffer's offset into its pool need not be a multiple of 4.
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  return new Float32Array(aligned.buffer);
}

function round(secs: number): number {
  return Math.round(secs * 1000) / 1000;
}
