import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { config } from '#lib/config';
import { redactUrls, untrustedInputOptions } from '#lib/media/untrusted-input';

/**
 * One time range of a stored video, read by ffmpeg straight from a (presigned) URL in a single
 * pass: sampled frames as JPEGs (every `everySecs`, plus scene changes) and the audio as 16 kHz
 * mono PCM for speech. Only this range's frames and audio are ever held, never the file.
 */
export interface ExtractedFrame {
  /** Seconds from the start of the video (absolute, not from the start of the range). */
  time: number;
  jpeg: Buffer;
}

export interface ExtractedRange {
  frames: ExtractedFrame[];
  /** s16le, 16 kHz, mono, from `audioStartSecs`; empty when the video has no audio. */
  pcm: Buffer;
  audioStartSecs: number;
}

export interface RangeRequest {
  url: string;
  startSecs: number;
  endSecs: number;
  hasAudio: boolean;
  everySecs?: number;
  /** ffmpeg's scene score above which a frame is taken even between samples. */
  sceneThreshold?: number;
  /** A scene change is taken only this long after the last frame taken (MIN_SCENE_GAP_SECS by default). */
  minSceneGapSecs?: number;
  /** Frames wider than this are scaled down (OCR and embeddings need no more). */
  maxWidth?: number;
  /** Audio is read this much before and after the range (it starts at `max(0, start - padding)`). */
  audioPaddingSecs?: number;
}

/**
 * Scene changes closer together than this are not each a frame: a noise video (a scene change every frame) or a
 * strobe would otherwise give every frame of a chunk, 7 500 at 25 fps over five minutes, all held in memory at once.
 * With it a range holds at most maxFramesFor(duration) frames (601 for a five-minute chunk); cuts further apart are
 * all still taken.
 */
export const MIN_SCENE_GAP_SECS = 0.5;

/** The most frames a range of `durationSecs` yields: one per scene gap, and the first. Also the collector's hard cap. */
export function maxFramesFor(durationSecs: number, minSceneGapSecs = MIN_SCENE_GAP_SECS): number {
  return Math.ceil(durationSecs / minSceneGapSecs) + 1;
}

const EXTRACT_TIMEOUT_MS = 10 * 60 * 1000;
const FRAME_TIMEOUT_MS = 60 * 1000;
const JPEG_START = Buffer.from([0xff, 0xd8]);
const JPEG_END = Buffer.from([0xff, 0xd9]);

export class ExtractFailedError extends Error {}

export async function extractRange(request: RangeRequest): Promise<ExtractedRange> {
  const every = request.everySecs ?? 2;
  const scene = request.sceneThreshold ?? 0.3;
  const maxWidth = request.maxWidth ?? 960;
  const minGap = request.minSceneGapSecs ?? MIN_SCENE_GAP_SECS;
  const duration = Math.max(0.05, request.endSecs - request.startSecs);
  const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${every})+gt(scene,${scene})*gte(t-prev_selected_t,${minGap})'`;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'info',
    '-ss',
    String(request.startSecs),
    '-t',
    String(duration),
    ...untrustedInputOptions(),
    '-i',
    request.url,
    '-map',
    '0:v:0',
    '-vf',
    `${select},showinfo,scale='min(${maxWidth},iw)':-2`,
    '-fps_mode',
    'vfr',
    '-c:v',
    'mjpeg',
    // Near-lossless: OCR of small captions suffers from JPEG ringing around letters.
    '-q:v',
    '2',
    '-f',
    'image2pipe',
    'pipe:1',
  ];
  if (request.hasAudio) {
    // Speech is read with some context either side of the range, so a sentence cut by a chunk boundary is still heard whole.
    const audioStart = Math.max(0, request.startSecs - (request.audioPaddingSecs ?? 0));
    args.push(
      '-ss',
      String(audioStart),
      '-t',
      String(request.endSecs + (request.audioPaddingSecs ?? 0) - audioStart),
      ...untrustedInputOptions(),
      '-i',
      request.url,
    );
    args.push('-map', '1:a:0', '-vn', '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:3');
  }

  const child = spawn(config.FRAMESEEK_FFMPEG, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const [stdout, stderrStream, audio] = [child.stdout, child.stderr, child.stdio[3]];
  if (!stdout || !stderrStream || !audio) throw new Error('ffmpeg started without its pipes');
  const timer = setTimeout(() => child.kill('SIGKILL'), EXTRACT_TIMEOUT_MS);
  const maxFrames = maxFramesFor(duration, minGap);
  const [jpegs, stderr, pcm, exitCode] = await Promise.all([
    collectJpegs(stdout, maxFrames),
    collectText(stderrStream),
    request.hasAudio ? collect(audio as Readable) : Promise.resolve(Buffer.alloc(0)),
    new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', (code) => done(code));
    }),
  ]).finally(() => clearTimeout(timer));
  if (exitCode !== 0) throw new ExtractFailedError(`ffmpeg could not read ${request.startSecs}–${request.endSecs} s: ${lastLines(stderr)}`);

  const times = frameTimes(stderr);
  // showinfo reports every selected frame before the encoder sees it: the two lists pair up in order.
  const frames = jpegs.map((jpeg, index) => ({ time: roundMs(request.startSecs + (times[index] ?? index * every)), jpeg }));
  return {
    frames: frames.filter((frame) => frame.time < request.endSecs || frames.length === 1),
    pcm,
    audioStartSecs: Math.max(0, request.startSecs - (request.audioPaddingSecs ?? 0)),
  };
}

/**
 * The one frame shown at `secs`, scaled like a range's frames; undefined past the end of the video.
 * For looking between two sampled frames (when on-screen text changed between them).
 */
export async function extractFrameAt(url: string, secs: number, maxWidth = 960): Promise<ExtractedFrame | undefined> {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-ss',
    String(secs),
    ...untrustedInputOptions(),
    '-i',
    url,
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
  ];
  args.push('-vf', `scale='min(${maxWidth},iw)':-2`, '-c:v', 'mjpeg', '-q:v', '2', '-f', 'image2pipe', 'pipe:1');
  const child = spawn(config.FRAMESEEK_FFMPEG, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!child.stdout || !child.stderr) throw new Error('ffmpeg started without its pipes');
  const timer = setTimeout(() => child.kill('SIGKILL'), FRAME_TIMEOUT_MS);
  const [jpeg, stderr, exitCode] = await Promise.all([
    collect(child.stdout),
    collectText(child.stderr),
    new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', (code) => done(code));
    }),
  ]).finally(() => clearTimeout(timer));
  if (exitCode !== 0) throw new ExtractFailedError(`ffmpeg could not read the frame at ${secs} s: ${lastLines(stderr)}`);
  const [image] = splitJpegs(jpeg).images;
  return image ? { time: roundMs(secs), jpeg: image } : undefined;
}

function collect(stream: Readable): Promise<Buffer> {
  return new Promise((done, fail) => {
    const parts: Buffer[] = [];
    stream.on('data', (part: Buffer) => parts.push(part));
    stream.once('error', fail);
    stream.once('end', () => done(Buffer.concat(parts)));
  });
}

async function collectText(stream: Readable): Promise<string> {
  return (await collect(stream)).toString('utf8');
}

/**
 * The JPEGs of an image2pipe stream, split as they arrive, so only whole images and the one being written are held
 * (never the stream twice); past `maxFrames` the rest is read and dropped (a safety net behind the scene gap).
 */
function collectJpegs(stream: Readable, maxFrames: number): Promise<Buffer[]> {
  return new Promise((done, fail) => {
    const images: Buffer[] = [];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    stream.on('data', (part: Buffer) => {
      if (images.length >= maxFrames) return;
      pending.push(part);
      pendingBytes += part.length;
      // Only look for an end once this part could hold one: an image ends with FFD9, possibly split across parts.
      if (part.indexOf(JPEG_END) < 0 && !(part[0] === 0xd9 && pending.length > 1)) return;
      const buffered = Buffer.concat(pending, pendingBytes);
      const found = splitJpegs(buffered);
      const consumed = found.consumed;
      for (const image of found.images) if (images.length < maxFrames) images.push(Buffer.from(image));
      const rest = buffered.subarray(consumed);
      pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      pendingBytes = rest.length;
    });
    stream.once('error', fail);
    stream.once('end', () => done(images));
  });
}

function splitJpegs(stream: Buffer): { images: Buffer[]; consumed: number } {
  // Inside JPEG entropy data 0xFF is always stuffed, so FFD9 only ever marks an image's end.
  const images: Buffer[] = [];
  let consumed = 0;
  let start = stream.indexOf(JPEG_START);
  while (start >= 0) {
    const end = stream.indexOf(JPEG_END, start + 2);
    if (end < 0) break;
    images.push(stream.subarray(start, end + 2));
    consumed = end + 2;
    start = stream.indexOf(JPEG_START, end + 2);
  }
  return { images, consumed: start < 0 ? stream.length : Math.max(consumed, start) };
}

function frameTimes(stderr: string): number[] {
  return [...stderr.matchAll(/\[Parsed_showinfo[^\]]*\][^\n]*?pts_time:\s*([0-9.eE+-]+)/g)].map((match) => Number(match[1]));
}

function lastLines(text: string): string {
  return redactUrls(text.trim().split('\n').slice(-3).join(' | ')).slice(0, 500);
}

function roundMs(secs: number): number {
  return Math.round(secs * 1000) / 1000;
}
