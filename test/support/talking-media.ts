import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Videos with real speech and on-screen captions at known times, for indexing, search and benchmark tests.
 * Speech comes from Festival's HTS voice (PocketSphinx recognises it almost word for word), captions are drawn by
 * ffmpeg's drawtext (Tesseract reads them), pictures come from ffmpeg's lavfi sources. Everything is generated once
 * per machine and cached under TALKING_MEDIA_DIR, keyed by a hash of the recipe.
 */
export const TALKING_MEDIA_DIR = join(process.env.FRAMESEEK_TEST_SHARED_TMP ?? tmpdir(), 'frameseek-talking-media-v1');

/** Bump when the generator's output changes for an unchanged recipe, so stale cached files are not reused. */
const GENERATOR_VERSION = 1;
/** festvox-us-slt-hts installs /usr/share/festival/voices/us/cmu_us_slt_arctic_hts. */
const FESTIVAL_VOICE = 'voice_cmu_us_slt_arctic_hts';
/** Bold sans reads best in Tesseract among the fonts-dejavu-core faces. */
const CAPTION_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
/** A caption shows from this long after its scene starts until this long before it ends. */
const CAPTION_INSET_SECS = 0.5;
/** Festival's output begins and ends with near-silence; samples quieter than this (of 32767) are not speech. */
const SILENCE_LEVEL = 300;

export interface TalkingScene {
  /** Spoken sentence: lower-case words, spaces and simple punctuation. */
  text: string;
  /** On-screen phrase: capitals, digits and spaces. */
  caption: string;
  /** ffmpeg lavfi video source that takes size (s) and rate (r) options, e.g. 'color=c=red', 'testsrc2', 'mandelbrot'. */
  source: string;
  /** When the caption shows, in seconds from the scene's start; default from 0.5 s after it starts to 0.5 s before it ends. */
  captionSecs?: [number, number];
  /** How the caption is drawn; default white on a dark box in the middle. */
  captionStyle?: CaptionStyle;
  /** A second caption that replaces the first in the same scene (same look, no scene change), at scene-relative seconds. */
  nextCaption?: { caption: string; captionSecs: [number, number] };
}

/** A caption's look: colour (an ffmpeg colour), no box unless given, its height as a share of the frame's, where it sits. */
export interface CaptionStyle {
  colour: string;
  box?: string;
  heightShare?: number;
  place?: 'top' | 'middle' | 'lower-third';
  /** Two: the caption's words are split in two lines, the first half above. */
  lines?: 1 | 2;
}

export interface MediaManifest {
  path: string;
  durationSecs: number;
  /** Absolute seconds from the start of the video, in order. */
  speech: { text: string; start: number; end: number }[];
  captions: { text: string; start: number; end: number }[];
  scenes: { source: string; start: number; end: number }[];
}

/** The middle of a sentence, caption or scene of a manifest (which must have it). */
export function mid(span: { start: number; end: number } | undefined): number {
  if (!span) throw new Error('no such span in the manifest');
  return (span.start + span.end) / 2;
}

export interface TalkingVideoOptions {
  scenes: TalkingScene[];
  container: 'mp4' | 'webm' | 'mkv';
  width?: number;
  height?: number;
  fps?: number;
  /** Silence added to each sentence, half before it and half after. */
  padSecs?: number;
  minSceneSecs?: number;
  /** Repeat the scene list, or stop part-way through it, so that the video is just longer than this. */
  cycleToSecs?: number;
}

/** Six scenes, each with its own picture, sentence and caption; no word is shared between sentences and captions. */
export const standardScenes: TalkingScene[] = [
  { text: 'my brother plays the piano every sunday morning', caption: 'BLUE HARBOR SUNRISE', source: 'color=c=navy' },
  { text: 'the pilot flies the plane high above the clouds', caption: 'GOLDEN DESERT ROAD', source: 'testsrc2' },
  { text: 'our family eats dinner together at the big table', caption: 'SILVER MOON CASTLE', source: 'smptebars' },
  { text: 'the ship carries heavy boxes across the ocean', caption: 'PURPLE CANDLE SHOP', source: 'mandelbrot' },
  { text: 'grandmother tells us stories by the fire at night', caption: 'GREEN ISLAND MAP', source: 'color=c=darkslategray' },
  { text: 'the hungry bear searched the forest for food', caption: 'RED BRICK TOWER', source: 'color=c=darkolivegreen' },
];

/**
 * Twenty scenes (the standard six first), each picture distinct; sentences share no content word. No source whose
 * fine detail fills the frame: over `life` Tesseract read no caption, and on one `sierpinski` 1280x720 frame it ran
 * past 200 s (TesseractReader, measured).
 */
export const benchScenes: TalkingScene[] = [
  ...standardScenes,
  { text: 'they planted apple trees along the country road', caption: 'YELLOW KITE FLYING', source: 'color=c=darkred' },
  { text: 'please put the black shoes next to the front door', caption: 'FROZEN LEMON DRINK', source: 'smptehdbars' },
  { text: 'the music played loudly at the summer festival', caption: 'OLD STONE BRIDGE', source: 'testsrc' },
  { text: 'the baby laughs at the funny clown', caption: 'WOODEN TOY BOX', source: 'yuvtestsrc' },
  { text: 'the computer stopped working during the meeting', caption: 'DARK RAINY STREET', source: 'color=c=saddlebrown' },
  { text: 'the young girl rides her bicycle to the library', caption: 'SWEET CHERRY PIE', source: 'gradients=seed=3' },
  { text: 'the mountain is covered with white snow in winter', caption: 'SANDY BEACH HOUSE', source: 'color=c=steelblue' },
  { text: 'he opened the window to let the fresh air in', caption: 'PINK ROSE PETALS', source: 'colorspectrum' },
  { text: 'the president spoke to the people on television', caption: 'CLEAN GLASS JAR', source: 'color=c=darkgreen' },
  { text: 'the company announced a new product last week', caption: 'LUCKY PENNY FOUND', source: 'color=c=purple' },
  { text: 'the river flows quietly through the valley', caption: 'EMPTY PARKING LOT', source: 'color=c=orange' },
  { text: 'the football team won the championship game', caption: 'THICK WOOL SOCKS', source: 'pal75bars' },
  { text: 'the price of gasoline went up again this month', caption: 'SOFT PILLOW FIGHT', source: 'color=c=teal' },
  { text: 'the restaurant serves pizza and pasta until midnight', caption: 'BROKEN CLOCK TOWER', source: 'color=c=gray' },
];

/** ≈ 30 s: the six standard scenes, 5 s each, 320x240 at 10 fps, H.264 + AAC. */
export function talkingClip(): Promise<MediaManifest> {
  return makeTalkingVideo('talking-clip', { scenes: standardScenes, container: 'mp4', minSceneSecs: 5 });
}

/** The same scenes as talkingClip, VP9 + Opus in WebM. */
export function talkingClipWebm(): Promise<MediaManifest> {
  return makeTalkingVideo('talking-clip', { scenes: standardScenes, container: 'webm', minSceneSecs: 5 });
}

/** The same scenes as talkingClip, H.264 + Opus in Matroska. */
export function talkingClipMkv(): Promise<MediaManifest> {
  return makeTalkingVideo('talking-clip', { scenes: standardScenes, container: 'mkv', minSceneSecs: 5 });
}

/**
 * Longer than minDurationSecs, cycling the twenty bench scenes (each sentence unique for the first 100 s).
 * Every sentence here is under 4 s, so each scene lasts exactly 5 s and boundaries at multiples of 5 s fall in silence.
 */
export function longTalkingVideo(minDurationSecs: number): Promise<MediaManifest> {
  return makeTalkingVideo('long-talking', { scenes: benchScenes, container: 'mp4', minSceneSecs: 5, cycleToSecs: minDurationSecs });
}

/** The benchmark's video: ten minutes of 1280x720, speech almost throughout, cycling the twenty bench scenes. */
export function benchTalkingVideo(): Promise<MediaManifest> {
  return makeTalkingVideo('bench-talking', {
    scenes: benchScenes,
    container: 'mp4',
    width: 1280,
    height: 720,
    padSecs: 0.8,
    minSceneSecs: 0,
    cycleToSecs: 600,
  });
}

/** The manifest stored beside a generated video, read without regenerating anything. */
export function readManifest(videoPath: string): MediaManifest {
  return JSON.parse(readFileSync(`${videoPath}.json`, 'utf8')) as MediaManifest;
}

/** Builds (or finds in the cache) a video of the given scenes in order, and returns where everything is. */
export async function makeTalkingVideo(name: string, options: TalkingVideoOptions): Promise<MediaManifest> {
  const recipe = {
    version: GENERATOR_VERSION,
    scenes: options.scenes,
    container: options.container,
    width: options.width ?? 320,
    height: options.height ?? 240,
    fps: options.fps ?? 10,
    padSecs: options.padSecs ?? 1,
    minSceneSecs: options.minSceneSecs ?? 2,
    cycleToSecs: options.cycleToSecs ?? 0,
  };
  validate(recipe.scenes);
  const key = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 12);
  const path = join(TALKING_MEDIA_DIR, `${name}-${key}.${recipe.container}`);
  let pending = inProcess.get(path);
  if (!pending) {
    pending = generateOnce(path, () => generate(path, recipe));
    inProcess.set(path, pending);
    // A failure is not remembered: the next caller tries again.
    pending.catch(() => inProcess.delete(path));
  }
  return pending;
}

type Recipe = Required<TalkingVideoOptions>;

const inProcess = new Map<string, Promise<MediaManifest>>();

function validate(scenes: TalkingScene[]): void {
  if (scenes.length === 0) throw new Error('makeTalkingVideo needs at least one scene');
  for (const scene of scenes) {
    // Both are spliced into a Scheme string and an ffmpeg filter script: a safe alphabet keeps quoting trivial.
    if (!/^[a-z][a-z ,.']*$/.test(scene.text)) throw new Error(`sentence must be lower-case words: ${scene.text}`);
    for (const caption of [scene.caption, ...(scene.nextCaption ? [scene.nextCaption.caption] : [])])
      if (!/^[A-Z0-9][A-Z0-9 ]*$/.test(caption)) throw new Error(`caption must be capitals, digits and spaces: ${caption}`);
    if (/[;[\]'\s]/.test(scene.source)) throw new Error(`source must be one lavfi source without spaces or quotes: ${scene.source}`);
    const { colour = '', box = '' } = scene.captionStyle ?? {};
    if (!/^[a-z0-9@.#]*$/i.test(colour + box)) throw new Error(`caption colours must be plain ffmpeg colours: ${colour} ${box}`);
  }
}

/**
 * Test files run in parallel processes: the first to take the lock file generates, the others wait for the result
 * instead of spending the same CPU. A lock left by a process that died is taken over.
 */
async function generateOnce(path: string, build: () => Promise<MediaManifest>): Promise<MediaManifest> {
  mkdirSync(TALKING_MEDIA_DIR, { recursive: true });
  const lock = `${path}.lock`;
  for (;;) {
    if (existsSync(path) && existsSync(`${path}.json`)) return readManifest(path);
    if (tryLock(lock)) {
      try {
        return await build();
      } finally {
        rmSync(lock, { force: true });
      }
    }
    if (lockOwnerIsGone(lock)) rmSync(lock, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function tryLock(lock: string): boolean {
  try {
    const fd = openSync(lock, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function lockOwnerIsGone(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    // A lock just created may not have its pid written yet.
    if (!pid) return Date.now() - statSync(lock).mtimeMs > 5_000;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ENOENT: released meanwhile, nothing to take over; ESRCH: its owner died.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function generate(path: string, recipe: Recipe): Promise<MediaManifest> {
  const work = mkdtempSync(join(TALKING_MEDIA_DIR, 'work-'));
  try {
    const voices = await synthesize([...new Set(recipe.scenes.map((scene) => scene.text))], work);
    const plan = layOut(recipe, voices);
    const audioPath = join(work, 'audio.wav');
    writeFileSync(audioPath, mixSpeech(plan, voices));
    const graphPath = join(work, 'video.filtergraph');
    writeFileSync(graphPath, videoGraph(plan, recipe));
    const partial = join(work, `video.${recipe.container}`);
    await run(
      'ffmpeg',
      ['-y', '-v', 'error', '-filter_complex_script', graphPath, '-i', audioPath, '-map', '[video]', '-map', '0:a', ...codecs(recipe), partial],
      {
        timeout: 30 * 60_000,
      },
    );
    const manifest = toManifest(path, plan);
    // The manifest lands first: a video that exists always has its manifest.
    writeFileSync(join(work, 'manifest.json'), JSON.stringify(manifest, null, 2));
    renameSync(join(work, 'manifest.json'), `${path}.json`);
    renameSync(partial, path);
    return manifest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface Voice {
  rate: number;
  /** Speech only: Festival's leading and trailing near-silence is cut off, so manifest times bound the words. */
  samples: Int16Array;
}

/**
 * Sentences are cached one wav each, shared by every video that speaks them; the missing ones are spoken by one
 * Festival process, whose start-up (loading the voice) costs more than a sentence.
 */
async function synthesize(sentences: string[], work: string): Promise<Map<string, Voice>> {
  const cached = (text: string): string =>
    join(TALKING_MEDIA_DIR, 'speech', `${createHash('sha256').update(`${FESTIVAL_VOICE}\n${text}`).digest('hex').slice(0, 16)}.wav`);
  const missing = sentences.filter((text) => !existsSync(cached(text)));
  if (missing.length > 0) {
    mkdirSync(join(TALKING_MEDIA_DIR, 'speech'), { recursive: true });
    const spoken = missing.map((_, index) => join(work, `speech-${index}.wav`));
    const script = [`(${FESTIVAL_VOICE})`, ...missing.map((text, index) => `(utt.save.wave (utt.synth (Utterance Text "${text}")) "${spoken[index]}" 'riff)`)];
    const scriptPath = join(work, 'speech.scm');
    writeFileSync(scriptPath, script.join('\n'));
    await run('festival', ['-b', scriptPath], { timeout: 10 * 60_000 });
    missing.forEach((text, index) => renameSync(spoken[index] ?? '', cached(text)));
  }
  return new Map(sentences.map((text) => [text, trimSilence(readWav(readFileSync(cached(text))))]));
}

/** Festival writes 16-bit mono PCM RIFF; the chunks are walked rather than assuming a 44-byte header. */
function readWav(bytes: Buffer): Voice {
  let rate = 0;
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (bytes.readUInt16LE(body) !== 1 || bytes.readUInt16LE(body + 2) !== 1 || bytes.readUInt16LE(body + 14) !== 16)
        throw new Error('expected 16-bit mono PCM');
      rate = bytes.readUInt32LE(body + 4);
    }
    if (id === 'data') {
      const samples = new Int16Array(Math.min(size, bytes.length - body) >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(body + 2 * i);
      if (!rate) throw new Error('wav data before its format');
      return { rate, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new Error('wav without data');
}

function trimSilence(voice: Voice): Voice {
  const loud = (sample: number | undefined): boolean => Math.abs(sample ?? 0) > SILENCE_LEVEL;
  let first = 0;
  while (first < voice.samples.length && !loud(voice.samples[first])) first++;
  let last = voice.samples.length - 1;
  while (last > first && !loud(voice.samples[last])) last--;
  return { rate: voice.rate, samples: voice.samples.subarray(first, last + 1) };
}

interface PlannedScene {
  scene: TalkingScene;
  start: number;
  end: number;
  /** First sample of the speech in the whole track, and how many samples it lasts. */
  speechAt: number;
  speechSamples: number;
}

interface Plan {
  rate: number;
  scenes: PlannedScene[];
  durationSecs: number;
}

/** Scene lengths are whole frames, so the picture and the sound stay the same length scene after scene. */
function layOut(recipe: Recipe, voices: Map<string, Voice>): Plan {
  const rates = new Set([...voices.values()].map((voice) => voice.rate));
  const [rate] = rates;
  if (rates.size !== 1 || !rate) throw new Error(`Festival wrote mixed sample rates: ${[...rates].join(', ')}`);
  const frames = (secs: number): number => Math.ceil(secs * recipe.fps - 1e-9);
  const scenes: PlannedScene[] = [];
  let frame = 0;
  const more = (index: number): boolean => (recipe.cycleToSecs > 0 ? frame / recipe.fps <= recipe.cycleToSecs : index < recipe.scenes.length);
  for (let index = 0; more(index); index++) {
    const scene = recipe.scenes[index % recipe.scenes.length];
    const voice = scene && voices.get(scene.text);
    if (!scene || !voice) throw new Error('scene without speech');
    const speechSecs = voice.samples.length / rate;
    const length = Math.max(frames(speechSecs + recipe.padSecs), frames(recipe.minSceneSecs), 1);
    const start = frame / recipe.fps;
    scenes.push({
      scene,
      start,
      end: (frame + length) / recipe.fps,
      speechAt: Math.round((start + recipe.padSecs / 2) * rate),
      speechSamples: voice.samples.length,
    });
    frame += length;
  }
  return { rate, scenes, durationSecs: frame / recipe.fps };
}

function mixSpeech(plan: Plan, voices: Map<string, Voice>): Buffer {
  const track = new Int16Array(Math.round(plan.durationSecs * plan.rate));
  for (const { scene, speechAt } of plan.scenes) {
    const voice = voices.get(scene.text);
    if (voice) track.set(voice.samples, speechAt);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + track.byteLength, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(plan.rate, 24);
  header.writeUInt32LE(plan.rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(track.byteLength, 40);
  return Buffer.concat([header, Buffer.from(track.buffer, track.byteOffset, track.byteLength)]);
}

/** One filter graph: a lavfi source per scene, cut to length, its caption(s) drawn, all concatenated. */
function videoGraph(plan: Plan, recipe: Recipe): string {
  const { width, height, fps } = recipe;
  const branches = plan.scenes.map(({ scene, start, end }, index) => {
    const source = `${scene.source}${scene.source.includes('=') ? ':' : '='}s=${width}x${height}:r=${fps}`;
    const shown = [
      { caption: scene.caption, window: captionWindow(scene, end - start) },
      ...(scene.nextCaption ? [{ caption: scene.nextCaption.caption, window: clampWindow(scene.nextCaption.captionSecs, end - start) }] : []),
    ];
    const drawn = shown.flatMap(({ caption, window }) => drawCaption(caption, window, scene.captionStyle, width, height));
    return `${source},trim=duration=${(end - start).toFixed(6)},setpts=PTS-STARTPTS,scale=${width}:${height},setsar=1,format=yuv420p,${drawn.join(',')}[scene${index}];`;
  });
  const inputs = plan.scenes.map((_, index) => `[scene${index}]`).join('');
  return `${branches.join('\n')}\n${inputs}concat=n=${plan.scenes.length}:v=1:a=0[video]\n`;
}

/** drawtext filters for one caption: one line, or two (the words split in half, the first half above). */
function drawCaption(caption: string, [from, to]: [number, number], style: CaptionStyle | undefined, width: number, height: number): string[] {
  const words = caption.split(' ');
  const half = Math.ceil(words.length / 2);
  const lines = style?.lines === 2 && words.length > 1 ? [words.slice(0, half).join(' '), words.slice(half).join(' ')] : [caption];
  const longest = Math.max(...lines.map((line) => line.length));
  // DejaVu Sans Bold capitals average about 0.75 em wide: the caption fills at most 90% of the width.
  const fontSize = Math.floor(Math.min(height * (style?.heightShare ?? 1 / 7), (0.9 * width) / (0.75 * longest)));
  const box = style ? (style.box ? ['box=1', `boxcolor=${style.box}`] : []) : ['box=1', 'boxcolor=black@0.85'];
  const lineStep = Math.round(fontSize * 1.3);
  return lines.map((line, index) => {
    // One line sits as it always did; a second line sits one line-step below the first, the pair kept in place.
    const y =
      lines.length === 1
        ? { top: 'h/12', middle: '(h-text_h)/2', 'lower-third': 'h*5/6-text_h' }[style?.place ?? 'middle']
        : { top: `h/12+${index * lineStep}`, middle: `(h-${2 * lineStep})/2+${index * lineStep}`, 'lower-third': `h*5/6-${(2 - index) * lineStep}` }[
            style?.place ?? 'middle'
          ];
    return `drawtext=${[
      `fontfile=${CAPTION_FONT}`,
      `text='${line}'`,
      `fontsize=${fontSize}`,
      `fontcolor=${style?.colour ?? 'white'}`,
      ...box,
      ...(box.length ? [`boxborderw=${Math.ceil(fontSize / 3)}`] : []),
      'x=(w-text_w)/2',
      `y=${y}`,
      `enable='between(t,${from.toFixed(3)},${to.toFixed(3)})'`,
    ].join(':')}`;
  });
}

/** Scene-relative seconds during which the caption shows; very short scenes keep the middle half. */
function captionWindow(scene: TalkingScene, sceneSecs: number): [number, number] {
  if (scene.captionSecs) return clampWindow(scene.captionSecs, sceneSecs);
  const inset = Math.min(CAPTION_INSET_SECS, sceneSecs / 4);
  return [inset, sceneSecs - inset];
}

function clampWindow([from, to]: [number, number], sceneSecs: number): [number, number] {
  return [Math.min(from, sceneSecs), Math.min(to, sceneSecs)];
}

function codecs(recipe: Recipe): string[] {
  const keyframes = ['-g', String(recipe.fps * 2)];
  const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23', '-pix_fmt', 'yuv420p', ...keyframes];
  const opus = ['-c:a', 'libopus', '-b:a', '48k', '-ar', '48000'];
  if (recipe.container === 'webm') {
    return ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-crf', '32', '-b:v', '0', ...keyframes, ...opus];
  }
  if (recipe.container === 'mkv') return [...h264, ...opus];
  return [...h264, '-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-movflags', '+faststart'];
}

function toManifest(path: string, plan: Plan): MediaManifest {
  const secs = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    path,
    durationSecs: secs(plan.durationSecs),
    speech: plan.scenes.map(({ scene, speechAt, speechSamples }) => ({
      text: scene.text,
      start: secs(speechAt / plan.rate),
      end: secs((speechAt + speechSamples) / plan.rate),
    })),
    captions: plan.scenes.flatMap(({ scene, start, end }) => {
      const [from, to] = captionWindow(scene, end - start);
      const next = scene.nextCaption;
      const [nextFrom, nextTo] = next ? clampWindow(next.captionSecs, end - start) : [0, 0];
      return [
        { text: scene.caption, start: secs(start + from), end: secs(start + to) },
        ...(next ? [{ text: next.caption, start: secs(start + nextFrom), end: secs(start + nextTo) }] : []),
      ];
    }),
    scenes: plan.scenes.map(({ scene, start, end }) => ({ source: scene.source, start: secs(start), end: secs(end) })),
  };
}

// `npx tsx test/support/talking-media.ts` makes (or finds) the benchmark's video ahead of a benchmark run.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const manifest = await benchTalkingVideo();
  console.log(`${manifest.path} (${manifest.durationSecs} s, ${manifest.speech.length} sentences) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
