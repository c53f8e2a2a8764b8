import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { FRAME_DESCRIPTOR_DIMENSION, FrameDescriptorEmbedder } from '#lib/ml/embedders/frame-descriptor';
import { EngineUnavailableError } from '#lib/ml/types';
import { cosine } from '#lib/ml/vectors';

const run = promisify(execFile);
const FRAMES_DIR = join(process.env.FRAMESEEK_TEST_SHARED_TMP ?? tmpdir(), 'frameseek-test-frames-v2');
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** Stills from ffmpeg's test sources, as different from one another as a varied video would be (and some much closer). */
const SOURCES: Record<string, { filter: string; at?: number }> = {
  'testsrc-0': { filter: 'testsrc=size=640x360:rate=1' },
  'testsrc-7': { filter: 'testsrc=size=640x360:rate=1', at: 7 },
  'testsrc-negated': { filter: 'testsrc=size=640x360:rate=1,negate' },
  'testsrc2-0': { filter: 'testsrc2=size=640x360:rate=1' },
  'testsrc2-6': { filter: 'testsrc2=size=640x360:rate=1', at: 6 },
  'testsrc2-hue': { filter: 'testsrc2=size=640x360:rate=1,hue=h=120' },
  smptebars: { filter: 'smptebars=size=640x360' },
  smptehdbars: { filter: 'smptehdbars=size=640x360' },
  pal75bars: { filter: 'pal75bars=size=640x360' },
  pal100bars: { filter: 'pal100bars=size=640x360' },
  rgbtestsrc: { filter: 'rgbtestsrc=size=640x360' },
  yuvtestsrc: { filter: 'yuvtestsrc=size=640x360' },
  'mandelbrot-0': { filter: 'mandelbrot=size=640x360:rate=1' },
  'mandelbrot-deep': { filter: 'mandelbrot=size=640x360:rate=1:start_x=-0.743643887037151:start_y=0.13182590420533:start_scale=0.005' },
  'cellauto-30': { filter: 'cellauto=size=640x360:rate=5:rule=30', at: 3 },
  'cellauto-110': { filter: 'cellauto=size=640x360:rate=5:rule=110', at: 3 },
  life: { filter: 'life=size=640x360:rate=5:mold=10:ratio=0.5:seed=1:life_color=#40c0ff:death_color=#202020', at: 2 },
  'gradients-1': { filter: 'gradients=size=640x360:seed=1' },
  'gradients-7': { filter: 'gradients=size=640x360:seed=7:type=radial' },
  colorchart: { filter: 'colorchart=patch_size=80x80,scale=640:360' },
  colorspectrum: { filter: 'colorspectrum=size=640x360' },
  sierpinski: { filter: 'sierpinski=size=640x360:seed=2' },
  allrgb: { filter: 'allrgb,scale=640:360' },
  haldclutsrc: { filter: 'haldclutsrc=level=8,scale=640:360' },
  'mptestsrc-ring': { filter: 'mptestsrc=t=ring2,scale=640:360' },
  red: { filter: 'color=c=red:size=640x360' },
  green: { filter: 'color=c=green:size=640x360' },
  blue: { filter: 'color=c=blue:size=640x360' },
  white: { filter: 'color=c=white:size=640x360' },
  black: { filter: 'color=c=black:size=640x360' },
  grey: { filter: 'color=c=gray:size=640x360' },
  orange: { filter: 'color=c=orange:size=640x360' },
  purple: { filter: 'color=c=purple:size=640x360' },
  'text-hello-navy': { filter: `color=c=navy:size=640x360,drawtext=fontfile=${FONT}:text=Hello:fontsize=96:fontcolor=white:x=(w-tw)/2:y=(h-th)/2` },
  'text-frameseek-yellow': { filter: `color=c=yellow:size=640x360,drawtext=fontfile=${FONT}:text=Frameseek:fontsize=80:fontcolor=black:x=40:y=60` },
  'text-42-black': { filter: `color=c=black:size=640x360,drawtext=fontfile=${FONT}:text=42:fontsize=200:fontcolor=red:x=(w-tw)/2:y=(h-th)/2` },
  'text-chapter-green': { filter: `color=c=darkgreen:size=640x360,drawtext=fontfile=${FONT}:text='Chapter 3':fontsize=64:fontcolor=white:x=60:y=h-th-40` },
};

interface Frame {
  name: string;
  /** The full-size still (what a user would screenshot). */
  source: Buffer;
  /** What indexing keeps: a 320 px JPEG thumbnail from ffmpeg. */
  thumbnail: Buffer;
}

/** Generated once per machine and reused, like test/support/media.ts does for videos. */
async function frame(name: string): Promise<Frame> {
  const recipe = SOURCES[name];
  const png = join(FRAMES_DIR, `${name}.png`);
  const jpg = join(FRAMES_DIR, `${name}.jpg`);
  if (!existsSync(png) || !existsSync(jpg)) {
    mkdirSync(FRAMES_DIR, { recursive: true });
    const partial = `.${process.pid}`;
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', recipe.filter, '-ss', String(recipe.at ?? 0), '-frames:v', '1'],
      ...['-vf', 'format=rgb24', '-f', 'image2', '-c:v', 'png', `${png}${partial}`],
      ...['-ss', String(recipe.at ?? 0), '-frames:v', '1', '-vf', 'scale=320:-2', '-q:v', '4', '-f', 'image2', '-c:v', 'mjpeg', `${jpg}${partial}`],
    ]);
    renameSync(`${png}${partial}`, png);
    renameSync(`${jpg}${partial}`, jpg);
  }
  return { name, source: await readFile(png), thumbnail: await readFile(jpg) };
}

/** How people hand us a frame they have: cut out of it, or shrunk and re-encoded. */
const QUERIES: Record<string, (source: Buffer) => Promise<Buffer>> = {
  'centre crop 80%': async (source) => {
    const { width = 0, height = 0 } = await sharp(source).metadata();
    const cut = { left: Math.round(width * 0.1), top: Math.round(height * 0.1), width: Math.round(width * 0.8), height: Math.round(height * 0.8) };
    return sharp(source).extract(cut).jpeg({ quality: 85 }).toBuffer();
  },
  '50% JPEG q60': (source) => sharp(source).resize({ width: 320 }).jpeg({ quality: 60 }).toBuffer(),
  '50% PNG': (source) => sharp(source).resize({ width: 320 }).png().toBuffer(),
  '50% WebP': (source) => sharp(source).resize({ width: 320 }).webp().toBuffer(),
};

const embedder = new FrameDescriptorEmbedder();
let frames: Frame[] = [];
let indexed: Float32Array[] = [];

beforeAll(async () => {
  frames = [];
  // Two at a time: one ffmpeg per core.
  const names = Object.keys(SOURCES);
  for (let start = 0; start < names.length; start += 2) frames.push(...(await Promise.all(names.slice(start, start + 2).map(frame))));
  indexed = await embedder.embedImages(frames.map((item) => item.thumbnail));
}, 120_000);

describe('FrameDescriptorEmbedder', () => {
  it('returns one unit vector of the fixed dimension per image, the same each time', async () => {
    const images = frames.slice(0, 3).map((item) => item.thumbnail);

    const [first, second] = [await embedder.embedImages(images), await embedder.embedImages(images)];

    expect(first).toHaveLength(3);
    for (const vector of first) {
      expect(vector).toHaveLength(FRAME_DESCRIPTOR_DIMENSION);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
    expect(second).toEqual(first);
    expect(embedder.dimension).toBe(FRAME_DESCRIPTOR_DIMENSION);
  });

  it(`finds each of ${Object.keys(SOURCES).length} frames from a crop of it or a shrunk re-encoding of it`, async () => {
    expect(frames.length).toBeGreaterThanOrEqual(30);
    const misses: string[] = [];
    const margins: Record<string, number[]> = {};
    const matches: number[] = [];

    for (const [variant, make] of Object.entries(QUERIES)) {
      const queries = await embedder.embedImages(await Promise.all(frames.map((item) => make(item.source))));
      queries.forEach((query, queryIndex) => {
        const scores = indexed.map((vector) => cosine(query, vector));
        const match = scores[queryIndex];
        const bestOther = Math.max(...scores.filter((_, index) => index !== queryIndex));
        const nearest = scores.indexOf(Math.max(...scores));
        if (nearest !== queryIndex) misses.push(`${variant} of ${frames[queryIndex].name} → ${frames[nearest].name}`);
        (margins[variant] ??= []).push(match - bestOther);
        matches.push(match);
      });
    }

    const report = Object.entries(margins).map(([variant, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `${variant}: min margin ${sorted[0].toFixed(3)}, median ${sorted[Math.floor(sorted.length / 2)].toFixed(3)}`;
    });
    console.info(`frame-descriptor: match cosine min ${Math.min(...matches).toFixed(3)}; ${report.join('; ')}`);
    expect(misses).toEqual([]);
  });

  it('describes a 320 px frame in a few milliseconds', async () => {
    const images = frames.map((item) => item.thumbnail);
    await embedder.embedImages(images.slice(0, 4));

    const started = performance.now();
    for (const image of images) await embedder.embedImages([image]);
    const perImage = (performance.now() - started) / images.length;

    console.info(`frame-descriptor: ${perImage.toFixed(2)} ms per 320 px image (one at a time)`);
    expect(perImage).toBeLessThan(50);
  });

  it('refuses text, which it cannot place', async () => {
    await expect(embedder.embedText(['a red car'])).rejects.toBeInstanceOf(EngineUnavailableError);
    expect(embedder.understandsText).toBe(false);
  });
});
