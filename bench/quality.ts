import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { config } from '#lib/config';
import { extractFrameAt } from '#lib/media/extract';
import { chunkRanges } from '#lib/indexing/queue';
import { segmentRows } from '#lib/indexing/segments';
import { PocketSphinxTranscriber } from '#lib/ml/speech/pocketsphinx';
import { TesseractReader } from '#lib/ml/ocr/tesseract';
import { FrameDescriptorEmbedder } from '#lib/ml/embedders/frame-descriptor';
import { TextMatcher } from '#lib/search/text-match';
import type { Engines } from '#lib/ml/engines';
import type { SegmentRow, TextSegmentRow } from '#lib/search/types';
import { heldOutScenes, seededRandom } from '#test/support/held-out';
import { makeTalkingVideo, type MediaManifest } from '#test/support/talking-media';
import { wordErrorRate, words } from '#test/support/wer';
import { indexChunk } from './indexing';
import { fileUrl } from './file-url';
import { captionQuality } from './quality-captions';
import { speechQuality } from './quality-speech';

/**
 * `npm run bench -- --only quality`: search quality on material nothing was tuned on.
 * - Speech (bench/quality-speech.ts): word error rate of each PocketSphinx setting tried, utterances
 *   dropped, and speech phrase recall@1 with and without sound-alike keys.
 * - A held-out video (seeded sentences and captions in eight looks, captions appearing and leaving
 *   mid-scene on still pictures) indexed by processChunk with the configured engines: caption recall
 *   (exact phrase read), caption start error, character error rate of the captions read, phrase
 *   recall@1 for speech and captions (2–4 words from the truth, through the search's text matcher),
 *   and image→moment recall@1 (a cropped frame of each scene through the frame embedder).
 * - Captions (bench/quality-captions.ts): OCR preprocessing variants picked on a tuning seed, and
 *   caption recall, start error, CER and phrase recall@1 on a 24-scene held-out caption video.
 * Prints figures; asserts nothing.
 */

const HELD_OUT_SENTENCES = 8;
const SCENE_SECS = 9;
const DECODE_TIMEOUT_MS = 30 * 60_000;

export async function qualityBench(seed = 18): Promise<void> {
  console.log(`\nQuality on held-out data (seed ${seed})`);
  await speechQuality(seed);
  await heldOutVideo(seed);
  await captionQuality(seed);
}

async function heldOutVideo(seed: number): Promise<void> {
  const scenes = heldOutScenes(seed, HELD_OUT_SENTENCES, SCENE_SECS);
  const video = await makeTalkingVideo('held-out', { scenes, container: 'mp4', width: 1280, height: 720, minSceneSecs: SCENE_SECS });
  const engines: Engines = {
    transcriber: new PocketSphinxTranscriber({ preset: config.FRAMESEEK_SPEECH_PRESET, timeoutMs: DECODE_TIMEOUT_MS }),
    textReader: new TesseractReader(),
    embedder: new FrameDescriptorEmbedder(),
  };
  const work = mkdtempSync(join(tmpdir(), 'frameseek-bench-quality-'));
  try {
    const busy = { extract: 0, thumbnails: 0, speech: 0, text: 0, embedding: 0, commit: 0 };
    const started = performance.now();
    const staged = [];
    for (const chunk of chunkRanges(video.durationSecs, config.FRAMESEEK_CHUNK_SECS))
      staged.push(await indexChunk(video.path, chunk, engines, join(work, 'thumbnails'), busy));
    const wallSecs = (performance.now() - started) / 1000;
    const rows = segmentRows(
      { account_id: 'acc_quality', collection_id: 'col_quality', video_id: 'vid_quality', duration_secs: video.durationSecs, embedder: engines.embedder.id },
      staged,
    );
    const words = staged.flatMap((chunk) => chunk.words);
    console.log(
      `  held-out video: ${scenes.length} scenes of ${SCENE_SECS} s, 1280x720, ${video.durationSecs} s; captions in ${new Set(scenes.map((scene) => scene.source)).size} looks ` +
        `(white/yellow/black/dark red/navy text, no box but one, 28–120 px, top/middle/lower third), appearing 1–4 s into a still scene; indexed in ${wallSecs.toFixed(1)} s ` +
        `(${config.FRAMESEEK_SPEECH_PRESET} speech preset, Tesseract, frame-descriptor)`,
    );
    console.log(
      `  speech WER through the product: ${(wordErrorRate(video.speech.map((sentence) => sentence.text).join(' '), words.map((word) => word.word).join(' ')) * 100).toFixed(1)}%`,
    );
    phraseFigures(seed, video, rows);
    await imageFigures(video, rows, engines);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function overlaps(row: { start_secs: number; end_secs: number }, span: { start: number; end: number }): boolean {
  return row.start_secs < span.end && row.end_secs > span.start;
}

function phraseFigures(seed: number, video: MediaManifest, rows: SegmentRow[]): void {
  const matcher = new TextMatcher(rows.filter((row): row is SegmentRow & TextSegmentRow => row.type !== 'frame'));
  const scope = { accountId: 'acc_quality' };
  const random = seededRandom(seed + 2);
  const found = (type: 'transcript' | 'ocr', phrase: string, span: { start: number; end: number }) => {
    const [top] = matcher.match(scope, [type], phrase, 1);
    return top !== undefined && overlaps(top.row, span);
  };
  const speechHits = video.speech.filter((sentence) => {
    const spoken = words(sentence.text);
    const length = 2 + Math.floor(random() * 3);
    const from = Math.floor(random() * Math.max(1, spoken.length - length + 1));
    return found('transcript', spoken.slice(from, from + length).join(' '), sentence);
  }).length;
  const captionHits = video.captions.filter((caption) => found('ocr', caption.text.toLowerCase(), caption)).length;
  console.log(
    `  phrase recall@1 (text matcher of the search): speech ${speechHits}/${video.speech.length}, captions ${captionHits}/${video.captions.length} (2–4 consecutive words of each sentence; each caption whole)`,
  );
}

async function imageFigures(video: MediaManifest, rows: SegmentRow[], engines: Engines): Promise<void> {
  const frames = rows.filter((row) => row.type === 'frame' && row.vector);
  let hits = 0;
  for (const scene of video.scenes) {
    const [query] = await engines.embedder.embedImages([await croppedFrame(video.path, (scene.start + scene.end) / 2 + 0.3)]);
    if (!query) continue;
    const best = frames.map((row) => ({ row, score: cosine(query, row.vector ?? new Float32Array()) })).sort((a, b) => b.score - a.score)[0];
    if (best && best.row.start_secs >= scene.start - 0.01 && best.row.start_secs < scene.end) hits += 1;
  }
  console.log(`  image→moment recall@1 (80 % crop of each scene's middle frame, frame-descriptor): ${hits}/${video.scenes.length}`);
}

/** The middle 80 % of the frame at `secs`, as a JPEG: a picture like the scene's, not one of its indexed frames. */
async function croppedFrame(path: string, secs: number): Promise<Buffer> {
  const frame = await extractFrameAt(await fileUrl(path), secs, 1280);
  if (!frame) throw new Error(`no frame at ${secs} s`);
  const picture = sharp(frame.jpeg);
  const { width = 0, height = 0 } = await picture.metadata();
  return picture
    .extract({ left: Math.round(width * 0.1), top: Math.round(height * 0.1), width: Math.round(width * 0.8), height: Math.round(height * 0.8) })
    .jpeg()
    .toBuffer();
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index += 1) {
    dot += (a[index] ?? 0) * (b[index] ?? 0);
    normA += (a[index] ?? 0) ** 2;
    normB += (b[index] ?? 0) ** 2;
  }
  return dot / Math.sqrt(normA * normB || 1);
}
