import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as z from 'zod';
import { config } from '#lib/config';
import { redactUrls, untrustedInputOptions } from '#lib/media/untrusted-input';

const run = promisify(execFile);
const PROBE_TIMEOUT_MS = 120_000;

/** What ffprobe says of a stored file, read over a (presigned) URL: the bytes are never copied here. */
export interface ProbeResult {
  formatName: string;
  durationSecs: number;
  hasVideo: boolean;
  hasAudio: boolean;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
}

const probeOutput = z.object({
  format: z.object({ format_name: z.string(), duration: z.string().optional() }),
  streams: z.array(
    z.object({
      codec_type: z.string().optional(),
      codec_name: z.string().optional(),
      width: z.number().optional(),
      height: z.number().optional(),
      avg_frame_rate: z.string().optional(),
      r_frame_rate: z.string().optional(),
      duration: z.string().optional(),
    }),
  ),
});

function frameRate(ratio: string | undefined): number | null {
  const [numerator, denominator] = (ratio ?? '').split('/').map(Number);
  if (!numerator || !denominator) return null;
  return Math.round((numerator / denominator) * 1000) / 1000;
}

export class ProbeFailedError extends Error {}

export async function probeMedia(location: string): Promise<ProbeResult> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      config.FRAMESEEK_FFPROBE,
      ['-v', 'error', ...untrustedInputOptions(), '-print_format', 'json', '-show_format', '-show_streams', location],
      {
        timeout: PROBE_TIMEOUT_MS,
        maxBuffer: 8 * 1024 * 1024,
      },
    ));
  } catch (error) {
    // A missing or broken tool is our failure, not the file's: it must be retried, never blamed on the upload.
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'EACCES')) {
      throw new Error(`ffprobe is not available (${config.FRAMESEEK_FFPROBE}): ${redactUrls(error.message)}`);
    }
    if (error instanceof Error && 'killed' in error && error.killed) throw new Error('ffprobe timed out', { cause: error });
    const detail = redactUrls(error instanceof Error && 'stderr' in error ? (String(error.stderr).trim().split('\n')[0] ?? '') : String(error));
    throw new ProbeFailedError(`ffprobe could not read the file: ${detail}`);
  }
  const parsed = probeOutput.safeParse(JSON.parse(stdout));
  if (!parsed.success) throw new ProbeFailedError('ffprobe gave an unexpected answer');
  const video = parsed.data.streams.find((stream) => stream.codec_type === 'video' && stream.codec_name !== 'mjpeg' && stream.codec_name !== 'png');
  const duration = Number(parsed.data.format.duration ?? video?.duration ?? NaN);
  return {
    formatName: parsed.data.format.format_name,
    durationSecs: Number.isFinite(duration) ? Math.round(duration * 1000) / 1000 : 0,
    hasVideo: video !== undefined,
    hasAudio: parsed.data.streams.some((stream) => stream.codec_type === 'audio'),
    width: video?.width ?? null,
    height: video?.height ?? null,
    fps: frameRate(video?.avg_frame_rate) ?? frameRate(video?.r_frame_rate),
    codec: video?.codec_name ?? null,
  };
}

/** Binaries the product needs at run time, for the start-up check. */
export async function missingMediaTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of [config.FRAMESEEK_FFPROBE, config.FRAMESEEK_FFMPEG]) {
    try {
      await run(tool, ['-version'], { timeout: 10_000 });
    } catch {
      missing.push(tool);
    }
  }
  return missing;
}
