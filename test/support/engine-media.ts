import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MEDIA_DIR = join(process.env.FRAMESEEK_TEST_SHARED_TMP ?? tmpdir(), 'frameseek-engine-media-v1');
const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
/** Festival's HTS voice (Debian `festvox-us-slt-hts`): PocketSphinx hears it almost word for word, espeak-ng not at all. */
const FESTIVAL_VOICE = '(voice_cmu_us_slt_arctic_hts)';

/**
 * Media the speech and on-screen-text engines are tested and benchmarked on, made with Festival
 * and ffmpeg on first use and kept in the temp folder under a hash of how they were made.
 */

/** `text` spoken by Festival's HTS voice, as 16 kHz mono signed 16-bit little-endian PCM. */
export function spokenPcm(text: string): Promise<Buffer> {
  return cached(`speech-${hash(FESTIVAL_VOICE, text)}.pcm`, async (path) => {
    const textFile = `${path}.txt`;
    const waveFile = `${path}.wav`;
    writeFileSync(textFile, text);
    try {
      await run('text2wave', ['-eval', FESTIVAL_VOICE, textFile, '-o', waveFile], { timeout: 120_000 });
      await toPcm(['-i', waveFile], path);
    } finally {
      rmSync(textFile, { force: true });
      rmSync(waveFile, { force: true });
    }
  });
}

/** `secs` of digital silence in the same PCM format. */
export function silentPcm(secs: number): Buffer {
  return Buffer.alloc(Math.round(secs * 16_000) * 2);
}

/** Several recordings joined with `gapSecs` of silence between them. */
export function joinPcm(parts: readonly Buffer[], gapSecs: number): Buffer {
  const gap = silentPcm(gapSecs);
  return Buffer.concat(parts.flatMap((part, index) => (index === 0 ? [part] : [gap, part])));
}

export interface CaptionFrame {
  /** lavfi source, e.g. `testsrc=s=1280x720` or `color=c=black:s=320x240`. */
  background: string;
  /** What is drawn on it; [] for a frame without text. */
  captions: readonly Caption[];
}

export interface Caption {
  text: string;
  fontSize: number;
  colour: string;
  bold?: boolean;
  /** Extra drawtext options: `box=1:boxcolor=black@0.6`, `borderw=3:bordercolor=black`, positions… */
  style?: string;
  /** drawtext x/y expressions; default: centred near the bottom. */
  x?: string;
  y?: string;
}

/** One JPEG frame (quality like the indexer's frames) with the captions drawn by ffmpeg's drawtext in DejaVu Sans. */
export function captionFrame(frame: CaptionFrame): Promise<Buffer> {
  const filters = frame.captions.map(drawtext);
  return cached(`frame-${hash(frame.background, ...filters)}.jpg`, async (path) => {
    const filter = filters.length > 0 ? filters.join(',') : 'null';
    await run('ffmpeg', ['-y', '-v', 'error', '-f', 'lavfi', '-i', frame.background, '-vf', filter, '-frames:v', '1', '-q:v', '3', '-f', 'mjpeg', path], {
      timeout: 60_000,
    });
  });
}

function drawtext(caption: Caption): string {
  const font = join(FONT_DIR, caption.bold ? 'DejaVuSans-Bold.ttf' : 'DejaVuSans.ttf');
  // Inside single quotes the filter parsers keep ':' and ',' as text; a quote itself cannot be escaped there.
  if (caption.text.includes("'")) throw new Error(`captions cannot hold a single quote: ${caption.text}`);
  const options = [
    `fontfile=${font}`,
    `text='${caption.text}'`,
    'expansion=none',
    `fontsize=${caption.fontSize}`,
    `fontcolor=${caption.colour}`,
    `x=${caption.x ?? '(w-tw)/2'}`,
    `y=${caption.y ?? 'h-th-h/10'}`,
    ...(caption.style ? [caption.style] : []),
  ];
  return `drawtext=${options.join(':')}`;
}

function toPcm(input: string[], path: string) {
  return run('ffmpeg', ['-y', '-v', 'error', ...input, '-ar', '16000', '-ac', '1', '-f', 's16le', path], { timeout: 60_000 });
}

function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}

/** Made under a private name and renamed, so a concurrent test file never reads half a file. */
async function cached(name: string, make: (path: string) => Promise<unknown>): Promise<Buffer> {
  mkdirSync(MEDIA_DIR, { recursive: true });
  const path = join(MEDIA_DIR, name);
  if (!existsSync(path)) {
    // Unique per call: two tests of one process may make the same file at once.
    const partial = join(MEDIA_DIR, `partial-${process.pid}-${randomUUID()}-${name}`);
    await make(partial);
    renameSync(partial, path);
  }
  return readFileSync(path);
}
