import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { ApiResponse, Client } from '#test/support/api';

const run = promisify(execFile);

/** POST /v1/search as a form: each field (repeated for a list) and, when given, the image file. */
export function searchForm(
  api: Client,
  token: string,
  fields: Record<string, string | string[]>,
  image?: { bytes: Buffer; type: string; name: string },
): Promise<ApiResponse> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) form.append(name, item);
  if (image) form.append('image', new Blob([new Uint8Array(image.bytes)], { type: image.type }), image.name);
  return api.post('/v1/search', { token, form });
}

/** A frame of the video at `secs`, cut to its central 80 %, resized and re-encoded: a picture "like" that moment. */
export async function croppedFrame(path: string, secs: number, format: 'jpeg' | 'webp'): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', String(secs), '-i', path, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'], {
    encoding: 'buffer',
    maxBuffer: 16 * 1024 * 1024,
  });
  const frame = sharp(stdout);
  const { width = 0, height = 0 } = await frame.metadata();
  const cropped = frame.extract({
    left: Math.round(width * 0.1),
    top: Math.round(height * 0.1),
    width: Math.round(width * 0.8),
    height: Math.round(height * 0.8),
  });
  const resized = cropped.resize(224, 168);
  return format === 'jpeg' ? resized.jpeg({ quality: 70 }).toBuffer() : resized.webp({ quality: 70 }).toBuffer();
}
