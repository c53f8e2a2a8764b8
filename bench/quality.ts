import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { config } from '#lib/config';
import { extractFrameAt } from '#lib/media/extract';
import { chunkRanges } from '#lib/indexing/queue';
import { segmentRows } from '#lib/indexing/segments';
import { PocketSphinxTranscriber, PRESET_ARGS, type SpeechPreset } from '#lib/ml/speech/pocketsphinx';
import { TesseractReader } from '#lib/ml/ocr/tesseract';
import { FrameDescriptorEmbedder } from '#lib/ml/embedders/frame-descriptor';
import { TextMatcher } from '#lib/search/text-match';
import type { Engines } from '#lib/ml/engines';
import type { SegmentRow, TextSegmentRow } from '#lib/search/types';
import { joinPcm, spokenPcm } from '#test/support/engine-media';
import { heldOutScenes, heldOutSentences, seededRandom } from '#test/support/held-out';
import { benchScenes, makeTalkingVideo, type MediaManifest } from '#test/support/talking-media';
import { wordErrorRate, words } from '#test/support/wer';
import { indexChunk } from './indexing';
import { fileUrl } from './file-url';
import { captionQuality } from './quality-captions';

/**
 * `npm run bench -- --only quality`: search quality on material nothing was tuned on.
 * - Speech: word error rate of each PocketSphinx setting tried, and utterances that came back empty,
 *   on (a) the bench video's sentences, (b) held-out Festival sentences (test/support/held-out.ts,
 *   seeded), (c) the five LibriVox utterances of real read speech in Debian's pocketsphinx-testdata.
 * - A held-out video (seeded sentences and captions in eight looks, captions appearing and leaving
 *   mid-scene on still pictures) indexed by processChunk with the configured engines: caption recall
 *   (exact phrase read), caption start error, character error rate of the captions read, phrase
 *   recall@1 for speech and captions (2–4 words from the truth, through the search's text matcher),
 *   and image→moment recall@1 (a cropped frame of each scene through the frame embedder).
 * - Captions (bench/quality-captions.ts): OCR preprocessing variants picked on a tuning seed, and
 *   caption recall, start error, CER and phrase recall@1 on a 24-scene held-out caption video.
 * Prints figures; asserts nothing.
 */

const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';
/** Sentences of the bench video used for (a): the first ten of its twenty (bounded run time on shared cores). */
const BENCH_SENTENCES = 10;
const HELD_OUT_SENTENCES = 8;
const SCENE_SECS = 9;
const GAP_SECS = 0.8;
const DECODE_TIMEOUT_MS = 30 * 60_000;

/** Settings tried: PocketSphinx's defaults, the current `fast`, and two between them. */
const CANDIDATES: { name: string; preset: SpeechPreset; args: readonly string[] }[] = [
  { name: 'accurate (defaults)', preset: 'accurate', args: PRESET_ARGS.accurate },
  { name: 'fast', preset: 'fast', args: PRESET_ARGS.fast },
  { name: 'narrow, flat pass kept', preset: 'fast', args: ['-ds', '1', '-topn', '2', '-maxwpf', '5', '-maxhmmpf', '3000', '-pl_window', '10'] },
  { name: 'defaults, -pl_window 10', preset: 'accurate', args: ['-pl_window', '10'] },
];

interface Utterance {
  text: string;
  pcm: Buffer;
}

export async function qualityBench(seed = 18): Promise<void> {
  console.log(`\nQuality on held-out data (seed ${seed})`);
  await speechPresets(seed);
  await heldOutVideo(seed);
  await captionQuality(seed);
}

async function speechPresets(seed: number): Promise<void> {
  const benchSet = await festival(benchScenes.slice(0, BENCH_SENTENCES).map((scene) => scene.text));
  const heldOut = await festival(heldOutSentences(seed, HELD_OUT_SENTENCES));
  const real = librivox();
  const secs = (set: Utterance[]) => set.reduce((total, utterance) => total + utterance.pcm.length / 32_000, 0);
  console.log(
    `  speech sets: (a) bench ${benchSet.length} Festival sentences ${secs(benchSet).toFixed(0)} s; (b) held-out ${heldOut.length} Festival sentences ${secs(heldOut).toFixed(0)} s; ` +
      `(c) real ${real.length} LibriVox utterances ${secs(real).toFixed(0)} s. Each set decoded as one recording (sentences ${GAP_SECS} s apart) for (a) and (b), one by one for (c).`,
  );
  console.log(`  ${'setting'.padEnd(26)} ${'WER a'.padStart(7)} ${'WER b'.padStart(7)} ${'WER c'.padStart(7)}  dropped a/b/c  CPU s (all sets)`);
  for (const candidate of CANDIDATES) {
    // Shared cores: a decoder may wait its turn far longer than its own CPU time.
    const transcriber = new PocketSphinxTranscriber({ preset: candidate.preset, decoderArgs: candidate.args, timeoutMs: DECODE_TIMEOUT_MS });
    const cpuBefore = childCpuSecs();
    const a = await joinedFigures(transcriber, benchSet);
    const b = await joinedFigures(transcriber, heldOut);
    const c = await separateFigures(transcriber, real);
    const cpu = childCpuSecs() - cpuBefore;
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`.padStart(7);
    console.log(
      `  ${candidate.name.padEnd(26)} ${percent(a.wer)} ${percent(b.wer)} ${percent(c.wer)}  ${`${a.dropped}/${b.dropped}/${c.dropped}`.padEnd(13)}  ${cpu.toFixed(1)}  [${candidate.args.join(' ') || 'no flags'}]`,
    );
  }
  console.log(`  configured default: ${config.FRAMESEEK_SPEECH_PRESET}`);
}

async function festival(sentences: readonly string[]): Promise<Utterance[]> {
  return Promise.all(sentences.map(async (text) => ({ text, pcm: await spokenPcm(text) })));
}

function librivox(): Utterance[] {
  const lines = readFileSync(join(LIBRIVOX_DIR, 'transcription'), 'utf8').trim().split('\n');
  return lines.map((line) => {
    const match = /^<s> (.*) <\/s> \((.+)\)$/.exec(line.trim());
    if (!match?.[1] || !match[2]) throw new Error(`unexpected transcription line: ${line}`);
    // 16 kHz mono 16-bit RIFF with the plain 44-byte header.
    return { text: match[1], pcm: readFileSync(join(LIBRIVOX_DIR, `${match[2]}.wav`)).subarray(44) };
  });
}

/** WER over the whole set (errors / reference words), and the utterances none of whose time got a word. */
async function joinedFigures(transcriber: PocketSphinxTranscriber, set: Utterance[]): Promise<{ wer: number; dropped: number }> {
  const heard = await transcriber.transcribe(
    joinPcm(
      set.map((utterance) => utterance.pcm),
      GAP_SECS,
    ),
  );
  let at = 0;
  let dropped = 0;
  for (const utterance of set) {
    const end = at + utterance.pcm.length / 32_000;
    if (!heard.some((word) => word.end > at && word.start < end)) dropped += 1;
    at = end + GAP_SECS;
  }
  const reference = set.map((utterance) => utterance.text).join(' ');
  return { wer: wordErrorRate(reference, heard.map((word) => word.word).join(' ')), dropped };
}

async function separateFigures(transcriber: PocketSphinxTranscriber, set: Utterance[]): Promise<{ wer: number; dropped: number }> {
  let errors = 0;
  let total = 0;
  let dropped = 0;
  for (const utterance of set) {
    const heard = (await transcriber.transcribe(utterance.pcm)).map((word) => word.word).join(' ');
    if (!heard) dropped += 1;
    const count = words(utterance.text).length;
    errors += wordErrorRate(utterance.text, heard) * count;
    total += count;
  }
  return { wer: errors / total, dropped };
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

/** CPU seconds of this process's finished children (the decoders), from /proc. */
function childCpuSecs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
