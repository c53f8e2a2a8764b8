import sharp from 'sharp';
import pLimit from 'p-limit';
import { throwIfArmed } from '#lib/faults';
import { extractRange, type ExtractedFrame } from '#lib/media/extract';
import { presignGet, putObject } from '#lib/storage/objects';
import { thumbnailKey } from '#lib/storage/layout';
import type { Engines } from '#lib/ml/engines';
import type { TimedWord } from '#lib/ml/types';
import { encodeVector, type StagedChunk } from '#lib/indexing/segments';
import type { IndexChunkMessage } from '#lib/queue/index-queue';

/**
 * One time chunk of a video, end to end: its frames and audio read straight from storage, then
 * thumbnails, picture vectors and on-screen text from the frames while speech runs on the audio.
 * Returns what the chunk found; nothing is visible to search until the job's last chunk commits.
 */
export type IndexStage = 'frames' | 'speech' | 'text' | 'embedding' | 'indexing';

/** The steps a chunk reports (progress is the share of these done across the job's chunks). */
export const CHUNK_STEPS: readonly IndexStage[] = ['frames', 'speech', 'text', 'embedding'];

export class StageFailed extends Error {
  constructor(
    readonly stage: IndexStage,
    cause: unknown,
  ) {
    super(`${stage} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StageFailed';
  }
}

export async function inStage<T>(stage: IndexStage, work: () => Promise<T>): Promise<T> {
  try {
    throwIfArmed('indexing_stage', stage);
    return await work();
  } catch (error) {
    throw error instanceof StageFailed ? error : new StageFailed(stage, error);
  }
}

export interface ChunkSource {
  sourceKey: string;
  hasAudio: boolean;
}

const SOURCE_URL_SECS = 60 * 60;
const THUMBNAIL_WIDTH = 320;
const EMBED_BATCH = 16;
/** Seconds of audio read beyond each side of a chunk, so speech cut by its boundary is recognised whole. */
const AUDIO_PADDING_SECS = 3;
/** Mean grey-level change (0–255) on a 32×18 thumbnail above which a frame may show new text. */
const CHANGED_FRAME_DIFF = 4;

export async function processChunk(
  message: IndexChunkMessage,
  source: ChunkSource,
  engines: Engines,
  reportStep: (stage: IndexStage) => Promise<void>,
): Promise<StagedChunk> {
  const range = await inStage('frames', async () =>
    extractRange({
      url: await presignGet(source.sourceKey, SOURCE_URL_SECS),
      startSecs: message.start_secs,
      endSecs: message.end_secs,
      hasAudio: source.hasAudio,
      audioPaddingSecs: AUDIO_PADDING_SECS,
    }),
  );
  const thumbnails = await inStage('frames', () => storeThumbnails(message, range.frames));
  await reportStep('frames');

  // Speech runs beside the picture work: they use different engines and different cores.
  const [words, pictures] = await Promise.all([
    inStage('speech', async () => {
      const spoken = range.pcm.length > 0 && engines.transcriber ? await engines.transcriber.transcribe(range.pcm) : [];
      await reportStep('speech');
      const isLastChunk = message.chunk_index === message.chunks_total - 1;
      // A word belongs to the chunk it starts in; the padding only gave the recogniser context.
      return spoken
        .map((word): TimedWord => ({ word: word.word, start: word.start + range.audioStartSecs, end: word.end + range.audioStartSecs }))
        .filter((word) => word.start >= message.start_secs && (isLastChunk || word.start < message.end_secs));
    }),
    (async () => {
      const texts = await inStage('text', () => readChangedFrames(range.frames, engines));
      await reportStep('text');
      const vectors = await inStage('embedding', () => embedFrames(range.frames, engines));
      await reportStep('embedding');
      return { texts, vectors };
    })(),
  ]);

  return {
    chunk_index: message.chunk_index,
    start_secs: message.start_secs,
    end_secs: message.end_secs,
    words,
    frames: range.frames.map((frame, index) => ({
      time: frame.time,
      thumbnail_key: thumbnails[index] ?? '',
      vector_b64: encodeVector(pictures.vectors[index] ?? new Float32Array()),
      text: pictures.texts[index] ?? '',
    })),
  };
}

async function storeThumbnails(message: IndexChunkMessage, frames: readonly ExtractedFrame[]): Promise<string[]> {
  const limit = pLimit(8);
  return Promise.all(
    frames.map((frame) =>
      limit(async () => {
        const key = thumbnailKey(message.account_id, message.video_id, frame.time);
        const jpeg = await sharp(frame.jpeg).resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer();
        await putObject(key, jpeg, 'image/jpeg');
        return key;
      }),
    ),
  );
}

/** OCR only where the picture changed; an unchanged frame shows what the previous one showed. */
async function readChangedFrames(frames: readonly ExtractedFrame[], engines: Engines): Promise<string[]> {
  const reader = engines.textReader;
  if (!reader) return frames.map(() => '');
  const texts: string[] = [];
  let previous: Buffer | undefined;
  for (const frame of frames) {
    const small = await sharp(frame.jpeg).greyscale().resize(32, 18, { fit: 'fill' }).raw().toBuffer();
    const changed = !previous || meanDifference(previous, small) > CHANGED_FRAME_DIFF;
    texts.push(changed ? await reader.read(frame.jpeg) : (texts.at(-1) ?? ''));
    previous = small;
  }
  return texts;
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
