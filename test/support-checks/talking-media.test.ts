import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesseractReader } from '#lib/ml/ocr/tesseract';
import {
  benchTalkingVideo,
  longTalkingVideo,
  type MediaManifest,
  readManifest,
  talkingClip,
  talkingClipMkv,
  talkingClipWebm,
} from '#test/support/talking-media';

const run = promisify(execFile);
const POCKETSPHINX_FAST = ['-ds', '2', '-topn', '2', '-maxwpf', '5', '-maxhmmpf', '3000', '-pl_window', '10'];

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'talking-media-check-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each([
  { container: 'mp4', make: talkingClip, codecs: ['h264', 'aac'] },
  { container: 'webm', make: talkingClipWebm, codecs: ['vp9', 'opus'] },
  { container: 'mkv', make: talkingClipMkv, codecs: ['h264', 'opus'] },
])('the talking clip as $container', ({ make, codecs }) => {
  let clip: MediaManifest;
  beforeAll(async () => {
    clip = await make();
  }, 120_000);

  it('lasts about 30 s, as long as its manifest says, with one video and one audio stream', async () => {
    const probed = await probe(clip.path);

    expect(clip.durationSecs).toBeCloseTo(30, 0);
    expect(Math.abs(probed.duration - clip.durationSecs)).toBeLessThanOrEqual(0.2);
    expect(probed.streams).toEqual([
      { type: 'video', codec: codecs[0] },
      { type: 'audio', codec: codecs[1] },
    ]);
  });

  it('shows each caption inside its scene and speaks each sentence in turn', () => {
    expect(clip.captions.map((caption) => caption.text)).toHaveLength(6);
    clip.captions.forEach((caption, index) => {
      const scene = clip.scenes[index];
      expect(caption.start).toBeGreaterThanOrEqual(scene.start);
      expect(caption.end).toBeLessThanOrEqual(Math.min(scene.end, clip.durationSecs));
      expect(caption.end).toBeGreaterThan(caption.start);
    });
    clip.speech.forEach((sentence, index) => {
      expect(sentence.end).toBeGreaterThan(sentence.start);
      expect(sentence.start).toBeGreaterThanOrEqual(clip.scenes[index].start);
      expect(sentence.end).toBeLessThanOrEqual(clip.scenes[index].end);
      if (index > 0) expect(sentence.start).toBeGreaterThan(clip.speech[index - 1].end);
    });
  });

  it('shows captions Tesseract reads, from a frame in the middle of each caption', async () => {
    const read = await ocrMiddles(clip.path, clip.captions);

    expect(read).toEqual(clip.captions.map((caption) => expect.stringContaining(caption.text)));
  }, 60_000);

  it('keeps its manifest beside the cached video, readable without regenerating', async () => {
    const modified = statSync(clip.path).mtimeMs;

    const again = await make();

    expect(again).toEqual(clip);
    expect(readManifest(clip.path)).toEqual(clip);
    expect(statSync(clip.path).mtimeMs).toBe(modified);
  });
});

describe('the talking clip as spoken', () => {
  it('says a scene PocketSphinx transcribes almost word for word, with the default and the fast settings', async () => {
    const clip = await talkingClip();
    const sentence = clip.speech[2];
    const audio = await sceneAudio(clip.path, clip.scenes[2], 'scene-2');

    const heard = await transcribe(audio);
    const heardFast = await transcribe(audio, POCKETSPHINX_FAST);

    console.log(
      `"${sentence.text}": default "${heard}" (WER ${wer(sentence.text, heard).toFixed(2)}), fast "${heardFast}" (WER ${wer(sentence.text, heardFast).toFixed(2)})`,
    );
    expect(wer(sentence.text, heard)).toBeLessThanOrEqual(0.1);
    expect(wer(sentence.text, heardFast)).toBeLessThanOrEqual(0.1);
  }, 60_000);
});

describe('the long talking video', () => {
  it('is longer than asked, a new sentence every 5 s, scene boundaries in silence', async () => {
    const long = await longTalkingVideo(50);
    const probed = await probe(long.path);

    expect(long.durationSecs).toBeGreaterThan(50);
    expect(Math.abs(probed.duration - long.durationSecs)).toBeLessThanOrEqual(0.2);
    expect(probed.streams.map((stream) => stream.type)).toEqual(['video', 'audio']);
    expect(new Set(long.speech.map((sentence) => sentence.text)).size).toBe(long.speech.length);
    long.scenes.forEach((scene, index) => {
      expect(scene.end - scene.start).toBeCloseTo(5, 5);
      expect(long.speech[index].start).toBeGreaterThan(scene.start);
      expect(long.speech[index].end).toBeLessThan(scene.end);
    });
  }, 120_000);
});

/**
 * Slow (generates the ten-minute 720p benchmark video, then 40 PocketSphinx runs): run it with
 * FRAMESEEK_TALKING_MEDIA_FULL=1 after changing sentences, captions or sources.
 */
describe.runIf(process.env.FRAMESEEK_TALKING_MEDIA_FULL)('the benchmark video', () => {
  let bench: MediaManifest;
  beforeAll(async () => {
    const started = Date.now();
    bench = await benchTalkingVideo();
    console.log(`benchmark video ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${bench.path}`);
  }, 30 * 60_000);

  it('lasts ten minutes, mostly speech', async () => {
    const probed = await probe(bench.path);
    const spoken = bench.speech.reduce((sum, sentence) => sum + sentence.end - sentence.start, 0);

    expect(bench.durationSecs).toBeGreaterThan(600);
    expect(Math.abs(probed.duration - bench.durationSecs)).toBeLessThanOrEqual(0.2);
    console.log(`${bench.scenes.length} scenes, speech ${((100 * spoken) / bench.durationSecs).toFixed(0)}% of ${bench.durationSecs} s`);
    expect(spoken / bench.durationSecs).toBeGreaterThan(0.7);
  });

  it(
    'says every distinct sentence so that PocketSphinx gets at most one word in ten wrong, either setting',
    async () => {
      const firsts = bench.speech.filter((sentence, index) => bench.speech.findIndex((other) => other.text === sentence.text) === index);
      const results: { text: string; wer: number; werFast: number; heard: string; heardFast: string }[] = [];
      for (const [index, sentence] of firsts.entries()) {
        const audio = await sceneAudio(bench.path, bench.scenes[index], `bench-${index}`);
        const [heard, heardFast] = [await transcribe(audio), await transcribe(audio, POCKETSPHINX_FAST)];
        results.push({ text: sentence.text, wer: wer(sentence.text, heard), werFast: wer(sentence.text, heardFast), heard, heardFast });
      }
      console.log(results.map((r) => `${r.wer.toFixed(2)} ${r.werFast.toFixed(2)} ${r.text} | ${r.heard} | ${r.heardFast}`).join('\n'));

      expect(results.filter((r) => r.wer > 0.1 || r.werFast > 0.1)).toEqual([]);
    },
    10 * 60_000,
  );

  it(
    'shows every distinct caption so that Tesseract reads it at 1280x720',
    async () => {
      const firsts = bench.captions.slice(0, new Set(bench.captions.map((caption) => caption.text)).size);

      const read = await Promise.all(firsts.map((caption) => ocrAt(bench.path, (caption.start + caption.end) / 2)));

      read.forEach((text, index) => expect(text).toContain(firsts[index].text));
    },
    5 * 60_000,
  );
});

interface Probed {
  duration: number;
  streams: { type: string; codec: string }[];
}

async function probe(path: string): Promise<Probed> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', path]);
  const parsed = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_type: string; codec_name: string }[] };
  return { duration: Number(parsed.format.duration), streams: parsed.streams.map((stream) => ({ type: stream.codec_type, codec: stream.codec_name })) };
}

/** The scene's sound as PocketSphinx wants it: 16 kHz mono 16-bit wav, decoded from the video itself. */
async function sceneAudio(video: string, scene: { start: number; end: number }, name: string): Promise<string> {
  const wav = join(scratch, `${name}.wav`);
  await run('ffmpeg', ['-y', '-v', 'error', '-ss', String(scene.start), '-to', String(scene.end), '-i', video, '-vn', '-ar', '16000', '-ac', '1', wav]);
  return wav;
}

async function transcribe(wav: string, options: string[] = []): Promise<string> {
  const { stdout } = await run('pocketsphinx_continuous', ['-infile', wav, ...options], { timeout: 60_000 });
  return stdout.replace(/\s+/g, ' ').trim();
}

/** What Tesseract reads in the frame at the middle of each caption's window, one frame after another. */
async function ocrMiddles(video: string, captions: { start: number; end: number }[]): Promise<string[]> {
  const read: string[] = [];
  for (const caption of captions) read.push(await ocrAt(video, (caption.start + caption.end) / 2));
  return read;
}

const reader = new TesseractReader();

async function ocrAt(video: string, secs: number): Promise<string> {
  const png = join(scratch, `frame-${secs.toFixed(3)}.png`);
  await run('ffmpeg', ['-y', '-v', 'error', '-ss', secs.toFixed(3), '-i', video, '-frames:v', '1', png]);
  // The product's reader (greyscale, scaled, confident lines): what indexing will actually see.
  return (await reader.read(await readFile(png))).replace(/\s+/g, ' ').trim();
}

/** Word error rate: word-level edit distance over the reference's length. */
function wer(reference: string, hypothesis: string): number {
  const ref = reference.toLowerCase().split(/\s+/).filter(Boolean);
  const hyp = hypothesis.toLowerCase().split(/\s+/).filter(Boolean);
  let previous = hyp.map((_, j) => j + 1);
  previous.unshift(0);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1)));
    previous = current;
  }
  return previous[hyp.length] / ref.length;
}
