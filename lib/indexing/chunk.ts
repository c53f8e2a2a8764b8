import sharp from 'sharp';
import pLimit from 'p-limit';
import { throwIfArmed } from '#lib/faults';
import { extractRange, type ExtractedFrame } from '#lib/media/extract';
import type { Engines } from '#lib/ml/engines';
import type { TimedWord } from '#lib/ml/types';
import { encodeVector, type StagedChunk } from '#lib/indexing/segments';
import type { ChunkRange } from '#lib/indexing/queue';

/**
 * One time chunk of a video, end to end: its frames and audio read straight from storage, then
 * thumbnails, picture vectors and on-screen text from the frames while speech runs on the audio.
 * Returns what the chunk found; nothing is visible to search until the job's last chunk commits.
 */
export type IndexStage = 'frames' | 'speech' | 'text' | 'embedding' | 'indexing';

/** The steps a chunk reports (progress is the share of these done across the job's chunks). */
export const CHUNK_STEPS: readonly IndexStage[] = ['frames', 'speech', 'text', 'embedding'];

export class StageFailedError extends Error {
  constructor(
    readonly stage: IndexStage,
    cause: unknown,
  ) {
    super(`${stage} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StageFailedError';
  }
}

export async function inStage<T>(stage: IndexStage, work: () => Promise<T>): Promise<T> {
  try {
    throwIfArmed('indexing_stage', stage);
    return await work();
  } catch (error) {
    throw error instanceof StageFailedError ? error : new StageFailedError(stage, error);
  }
}

/** Where a chunk reads from and writes to: S3 in the worker (worker.ts), local files in the bench. */
export interface ChunkIo {
  /** What ffmpeg opens: a presigned URL, or a path. */
  sourceUrl(): Promise<string>;
  hasAudio: boolean;
  /** Stores one frame's thumbnail and returns where it went (the key segments point at). */
  storeThumbnail(time: number, jpeg: Buffer): Promise<string>;
}

export interface ChunkHooks {
  /** Called as each of CHUNK_STEPS finishes (job progress). */
  reportStep(stage: IndexStage): Promise<void>;
  /** Seconds each piece of work took, for the bench's figures. */
  timed?: (part: ChunkPart, seconds: number) => void;
}

export type ChunkPart = 'extract' | 'thumbnails' | 'speech' | 'text' | 'embedding';

const THUMBNAIL_WIDTH = 320;
const EMBED_BATCH = 16;
/** Seconds of audio read beyond each side of a chunk, so speech cut by its boundary is recognised whole. */
const AUDIO_PADDING_SECS = 3;
/** Mean grey-level change (0–255) on a 32×18 thumbnail above which a frame may show new text. */
const CHANGED_FRAME_DIFF = 4;

export async function processChunk(chunk: ChunkRange, io: ChunkIo, engines: Engines, hooks: ChunkHooks): Promise<StagedChunk> {
  const timed = async <T>(part: ChunkPart, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      hooks.timed?.(part, (performance.now() - started) / 1000);
    }
  };
  const range = await inStage('frames', () =>
    timed('extract', async () =>
      extractRange({
        url: await io.sourceUrl(),
        startSecs: chunk.start_secs,
        endSecs: chunk.end_secs,
        hasAudio: io.hasAudio,
        audioPaddingSecs: AUDIO_PADDING_SECS,
      }),
    ),
  );
  const thumbnails = await inStage('frames', () => timed('thumbnails', () => storeThumbnails(io, range.frames)));
  await hooks.reportStep('frames');

  // Speech runs beside the picture work: they use different engines and different cores.
  const [words, pictures] = await Promise.all([
    inStage('speech', async () => {
      const transcriber = engines.transcriber;
      const spoken = range.pcm.length > 0 && transcriber ? await timed('speech', () => transcriber.transcribe(range.pcm)) : [];
      await hooks.reportStep('speech');
      const isLastChunk = chunk.chunk_index === chunk.chunks_total - 1;
      // A word belongs to the chunk it starts in; the padding only gave the recogniser context.
      return spoken
        .map((word): TimedWord => ({ word: word.word, start: word.start + range.audioStartSecs, end: word.end + range.audioStartSecs }))
        .filter((word) => word.start >= chunk.start_secs && (isLastChunk || word.start < chunk.end_secs));
    }),
    (async () => {
      const texts = await inStage('text', () => timed('text', () => readChangedFrames(range.frames, engines)));
      await hooks.reportStep('text');
      const vectors = await inStage('embedding', () => timed('embedding', () => embedFrames(range.frames, engines)));
      await hooks.reportStep('embedding');
      return { texts, vectors };
    })(),
  ]);

  return {
    chunk_index: chunk.chunk_index,
    start_secs: chunk.start_secs,
    end_secs: chunk.end_secs,
    words,
    frames: range.frames.map((frame, index) => ({
      time: frame.time,
      thumbnail_key: thumbnails[index] ?? '',
      vector_b64: encodeVector(pictures.vectors[index] ?? new Float32Array()),
      text: pictures.texts[index] ?? '',
    })),
  };
}

async function storeThumbnails(io: ChunkIo, frames: readonly ExtractedFrame[]): Promise<string[]> {
  const limit = pLimit(8);
  return Promise.all(
    frames.map((frame) =>
      limit(async () => {
        const jpeg = await sharp(frame.jpeg).resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer();
        return io.storeThumbnail(frame.time, jpeg);
      }),
    ),
  );
}

/** OCR only where the picture changed (in one batch); an unchanged frame shows what the previous one showed. */
async function readChangedFrames(frames: readonly ExtractedFrame[], engines: Engines): Promise<string[]> {
  const reader = engines.textReader;
  if (!reader) return frames.map(() => '');
  const changed = await changedFrames(frames);
  const read = await reader.readAll(frames.filter((_, index) => changed[index]).map((frame) => frame.jpeg));
  let next = 0;
  const texts: string[] = [];
  for (const isChanged of changed) texts.push(isChanged ? (read[next++] ?? '') : (texts.at(-1) ?? ''));
  return texts;
}

/** Whether each frame differs from the one before it (the first always does). */
async function changedFrames(frames: readonly ExtractedFrame[]): Promise<boolean[]> {
  const smalls = await Promise.all(frames.map((frame) => sharp(frame.jpeg).greyscale().resize(32, 18, { fit: 'fill' }).raw().toBuffer()));
  return smalls.map((small, index) => {
    const previous = smalls[index - 1];
    return !previous || meanDifference(previous, small) > CHANGED_FRAME_DIFF;
  });
}

function meanDifference(a: Buffer, b: Buffer): number {
  let total = 0;
  for (let index = 0; index < a.length; index += 1) total += Math.abs((a[index] ?? 0) - (b[index] ?? 0));
  return total / Math.max(1, a.length);
}

async function embedFrames(frames: readonly ExtractedFrame[], engines: Engines): Promise<Float32Array[]> {
  const vectors: Float32Array[] = [];
  for (let start = 0; start < frames.length; start += EMBED_BATCH) {
    vectors.push(...(await engines.embedder.embedImages(frames.slice(start, start + EMBED_BATCH).map((frame) => frame.jpeg))));
  }
  return vectors;
}
