import sharp from 'sharp';
import pLimit from 'p-limit';
import { throwIfArmed } from '#lib/faults';
import { extractFrameAt, extractRange, type ExtractedFrame } from '#lib/media/extract';
import type { Engines } from '#lib/ml/engines';
import type { TextReader, TimedWord } from '#lib/ml/types';
import { encodeVector, SAME_TEXT_SIMILARITY, similarity, type StagedChunk } from '#lib/indexing/segments';
import { normalise } from '#lib/text';
import { signatureDistance, textSignature } from '#lib/indexing/text-signature';
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
/**
 * Memory per frame batch: at most this many frames are decoded at once by each step (thumbnails, text signatures;
 * OCR and embeddings take their own batches of 16), so a chunk's peak is its JPEGs plus a few decoded frames.
 */
const DECODES_AT_ONCE = 4;
const EMBED_BATCH = 16;
/** Seconds of audio read beyond each side of a chunk, so speech cut by its boundary is recognised whole. */
const AUDIO_PADDING_SECS = 3;
/**
 * Text-signature change (largest per-cell change of edge share) above which a frame may show other
 * text than the last frame read. Measured on 1280×720 frames: a caption appearing on a flat
 * background moves a cell by 0.06 (grey on darker grey) to 0.43 (a large title); one letter added
 * 0.09; the same frame twice 0.
 */
const TEXT_SIGNATURE_CHANGE = 0.04;
/** Sampled frames further apart than this get a frame read between them when their text differs, so a caption is timed to within half the gap. */
const LOOK_BETWEEN_SECS = 1;

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
      const read = await inStage('text', () =>
        timed('text', async () => {
          const url = await io.sourceUrl();
          return readOnScreenText(range.frames, engines.textReader, (secs) => extractFrameAt(url, secs));
        }),
      );
      // Frames read between two samples are frames like the others: a thumbnail, a picture vector, a row.
      const extra = read.frames.filter((frame) => !range.frames.includes(frame));
      const extraThumbnails = await inStage('text', () => timed('thumbnails', () => storeThumbnails(io, extra)));
      await hooks.reportStep('text');
      const vectors = await inStage('embedding', () => timed('embedding', () => embedFrames(read.frames, engines)));
      await hooks.reportStep('embedding');
      const thumbnailOf = new Map([
        ...range.frames.map((frame, index) => [frame, thumbnails[index] ?? ''] as const),
        ...extra.map((frame, index) => [frame, extraThumbnails[index] ?? ''] as const),
      ]);
      return { frames: read.frames, texts: read.texts, vectors, thumbnailOf };
    })(),
  ]);

  return {
    chunk_index: chunk.chunk_index,
    start_secs: chunk.start_secs,
    end_secs: chunk.end_secs,
    words,
    frames: pictures.frames.map((frame, index) => ({
      time: frame.time,
      thumbnail_key: pictures.thumbnailOf.get(frame) ?? '',
      vector_b64: encodeVector(pictures.vectors[index] ?? new Float32Array()),
      text: pictures.texts[index] ?? '',
    })),
  };
}

async function storeThumbnails(io: ChunkIo, frames: readonly ExtractedFrame[]): Promise<string[]> {
  const limit = pLimit(2 * DECODES_AT_ONCE);
  return Promise.all(
    frames.map((frame) =>
      limit(async () => {
        const jpeg = await sharp(frame.jpeg).resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer();
        return io.storeThumbnail(frame.time, jpeg);
      }),
    ),
  );
}

export interface ReadFrames {
  /** The sampled frames and any read between them, in time order. */
  frames: ExtractedFrame[];
  /** What each shows ('' when nothing or no reader). */
  texts: string[];
}

/**
 * On-screen text of a chunk's frames. A frame is read only when its text signature moved since the
 * last frame read (an unread frame shows what that one showed), all in one batch. Where two
 * neighbouring samples show different text, the frame half-way between them is read too, so the
 * text is timed to within half the sampling gap of where it appears, changes or leaves.
 */
export async function readOnScreenText(
  frames: readonly ExtractedFrame[],
  reader: TextReader | undefined,
  frameAt: (secs: number) => Promise<ExtractedFrame | undefined>,
): Promise<ReadFrames> {
  if (!reader) return { frames: [...frames], texts: frames.map(() => '') };
  const texts = await readWhereTextMayChange(frames, reader);
  const gaps = frames.flatMap((frame, index) => {
    const before = frames[index - 1];
    const changed = before !== undefined && !sameText(texts[index - 1] ?? '', texts[index] ?? '');
    return changed && frame.time - before.time > LOOK_BETWEEN_SECS ? [(before.time + frame.time) / 2] : [];
  });
  const limit = pLimit(2);
  const between = (await Promise.all(gaps.map((secs) => limit(() => frameAt(secs))))).filter((frame) => frame !== undefined);
  const betweenTexts = await reader.readAll(between.map((frame) => frame.jpeg));
  const all = [
    ...frames.map((frame, index) => ({ frame, text: texts[index] ?? '' })),
    ...between.map((frame, index) => ({ frame, text: betweenTexts[index] ?? '' })),
  ];
  all.sort((a, b) => a.frame.time - b.frame.time);
  return { frames: all.map((entry) => entry.frame), texts: all.map((entry) => entry.text) };
}

function sameText(a: string, b: string): boolean {
  return similarity(normalise(a), normalise(b)) >= SAME_TEXT_SIMILARITY;
}

async function readWhereTextMayChange(frames: readonly ExtractedFrame[], reader: TextReader): Promise<string[]> {
  // A few decodes at a time: a chunk's frames are bounded (lib/media/extract.ts maxFramesFor), their decoded pixels are not held together.
  const limit = pLimit(DECODES_AT_ONCE);
  const signatures = await Promise.all(frames.map((frame) => limit(() => textSignature(frame.jpeg))));
  let lastRead: Float32Array | undefined;
  const toRead = signatures.map((signature) => {
    const differs = !lastRead || signatureDistance(lastRead, signature) > TEXT_SIGNATURE_CHANGE;
    if (differs) lastRead = signature;
    return differs;
  });
  const read = await reader.readAll(frames.filter((_, index) => toRead[index]).map((frame) => frame.jpeg));
  let next = 0;
  const texts: string[] = [];
  for (const isRead of toRead) texts.push(isRead ? (read[next++] ?? '') : (texts.at(-1) ?? ''));
  return texts;
}

async function embedFrames(frames: readonly ExtractedFrame[], engines: Engines): Promise<Float32Array[]> {
  const vectors: Float32Array[] = [];
  for (let start = 0; start < frames.length; start += EMBED_BATCH) {
    vectors.push(...(await engines.embedder.embedImages(frames.slice(start, start + EMBED_BATCH).map((frame) => frame.jpeg))));
  }
  return vectors;
}
