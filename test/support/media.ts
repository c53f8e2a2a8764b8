import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MEDIA_DIR = join(process.env.FRAMESEEK_TEST_SHARED_TMP ?? tmpdir(), 'frameseek-test-media-v1');

/** Real media for tests, generated with ffmpeg once per machine and reused. */
const RECIPES = {
  'clip.mp4': [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440',
    '-t',
    '3',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
  ],
  'clip.mov': ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mov'],
  'clip.webm': ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'libvpx', '-b:v', '200k'],
  'clip.mkv': ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
  'clip.avi': ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'mpeg4'],
  'clip.mpeg': ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'mpeg2video', '-f', 'mpeg'],
  /**
   * Ten seconds in which most frames are a scene change (each frame's brightness jumps, over noise): ffmpeg's scene
   * filter picks about 130 of its 250 frames. Under 1 MB, so one PUT.
   */
  'scene-every-frame.mp4': [
    '-f',
    'lavfi',
    '-i',
    'color=c=gray:size=128x96:rate=25',
    '-vf',
    "geq=lum='mod(N*N*37+X,256)':cb=128:cr=128,noise=alls=40:allf=t",
    '-t',
    '10',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '36',
    '-pix_fmt',
    'yuv420p',
  ],
  /** Over two minutes yet under 1 MB: its indexing price exceeds the size-based estimate. */
  'long-small.mp4': ['-f', 'lavfi', '-i', 'color=c=blue:size=64x64:rate=5', '-t', '130', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
  'audio-only.mp4': ['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '2', '-c:a', 'aac'],
  /** About 2.5 MB: bigger than the tests' single-PUT size, so it goes multipart. */
  'large.mp4': [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=640x480:rate=25',
    '-t',
    '4',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    '5M',
    '-maxrate',
    '5M',
    '-bufsize',
    '1M',
    '-x264-params',
    'nal-hrd=cbr',
  ],
} as const;

export type MediaName = keyof typeof RECIPES | 'text.mp4' | 'truncated.mp4' | 'empty.mp4';

export async function media(name: MediaName): Promise<Buffer> {
  return readFileSync(await mediaPath(name));
}

/** Where a generated media file lives (generated on first use), for helpers that upload from a path. */
export async function mediaPath(name: MediaName): Promise<string> {
  mkdirSync(MEDIA_DIR, { recursive: true });
  const path = join(MEDIA_DIR, name);
  if (!existsSync(path)) await generate(name, path);
  return path;
}

async function generate(name: MediaName, path: string): Promise<void> {
  if (name === 'text.mp4') return writeFileSync(path, 'This is a plain text file wearing a video extension.\n'.repeat(50));
  if (name === 'empty.mp4') return writeFileSync(path, '');
  if (name === 'truncated.mp4') {
    // ffmpeg writes the index (moov) last: cutting the file in half loses it.
    const whole = await media('clip.mp4');
    return writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));
  }
  // Written under a private name first, so a concurrent test file never reads half a file.
  const partial = join(MEDIA_DIR, `partial-${process.pid}-${randomUUID()}-${name}`);
  await run('ffmpeg', ['-y', '-v', 'error', ...RECIPES[name], partial], { timeout: 120_000 });
  renameSync(partial, path);
}
