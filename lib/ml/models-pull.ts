import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Presets, SingleBar } from 'cli-progress';

/**
 * `frameseek models pull <name>`: fetches a public ONNX export of an image-text model into
 * `<model dir>/<name>/`, the folder the clip-onnx embedder reads. Each file is downloaded to
 * `<file>.part` and renamed when whole, so a folder never holds half a model; an interrupted
 * download resumes from its `.part` (HTTP Range). Each file's sha256 is printed and kept beside it
 * as `<file>.sha256`, which the embedder uses for its id instead of hashing the model at every cold start.
 */

export interface ModelExport {
  description: string;
  /** Where the export lives; `--from` / FRAMESEEK_MODEL_BASE_URL replace it with a mirror of the same layout. */
  baseUrl: string;
  /** Each file's path under baseUrl, and its name in the model's folder. */
  files: readonly { remote: string; local: string }[];
}

const XENOVA_CLIP_B32 = 'https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/main/';
const TOKENIZER_AND_SETTINGS = ['vocab.json', 'merges.txt', 'config.json', 'preprocessor_config.json'].map((file) => ({ remote: file, local: file }));

export const MODEL_EXPORTS: Record<string, ModelExport> = {
  'clip-vit-base-patch32': {
    description: 'OpenAI CLIP ViT-B/32, float32 ONNX export by Xenova (transformers.js), 512 dimensions, ~600 MB',
    baseUrl: XENOVA_CLIP_B32,
    files: [
      { remote: 'onnx/text_model.onnx', local: 'text_model.onnx' },
      { remote: 'onnx/vision_model.onnx', local: 'vision_model.onnx' },
      ...TOKENIZER_AND_SETTINGS,
    ],
  },
  'clip-vit-base-patch32-q8': {
    description: 'the same model with 8-bit quantized weights, ~150 MB: smaller and faster on CPU, slightly less exact',
    baseUrl: XENOVA_CLIP_B32,
    files: [
      { remote: 'onnx/text_model_quantized.onnx', local: 'text_model.onnx' },
      { remote: 'onnx/vision_model_quantized.onnx', local: 'vision_model.onnx' },
      ...TOKENIZER_AND_SETTINGS,
    ],
  },
};

export class ModelPullError extends Error {
  constructor(
    readonly code: 'UNKNOWN_MODEL' | 'BAD_BASE_URL' | 'DOWNLOAD_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'ModelPullError';
  }
}

export type PullEvent =
  | { type: 'start'; file: string; total: number | undefined; resumedFrom: number }
  | { type: 'progress'; file: string; bytes: number }
  | { type: 'done'; file: string; bytes: number; sha256: string; skipped: boolean };

export interface PullOptions {
  name: string;
  /** FRAMESEEK_MODEL_DIR: the export goes into `<modelDir>/<name>/`. */
  modelDir: string;
  /** A mirror holding the export's files at the same paths; default: the export's own base URL. */
  baseUrl?: string;
  onEvent?: (event: PullEvent) => void;
}

export interface PulledFile {
  file: string;
  bytes: number;
  sha256: string;
  /** Already there from an earlier pull. */
  skipped: boolean;
}

export async function pullModel(options: PullOptions): Promise<{ folder: string; files: PulledFile[] }> {
  const modelExport = MODEL_EXPORTS[options.name];
  if (!modelExport) {
    throw new ModelPullError('UNKNOWN_MODEL', `no export is known by the name ${options.name}; known: ${Object.keys(MODEL_EXPORTS).join(', ')}`);
  }
  const base = options.baseUrl ?? modelExport.baseUrl;
  if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) throw new ModelPullError('BAD_BASE_URL', `not an http(s) URL: ${base}`);
  const folder = resolve(options.modelDir, options.name);
  await mkdir(folder, { recursive: true });
  const onEvent = options.onEvent ?? (() => undefined);
  const files: PulledFile[] = [];
  for (const { remote, local } of modelExport.files) {
    const url = new URL(remote, base.endsWith('/') ? base : `${base}/`).toString();
    files.push(await pullFile(url, join(folder, local), local, onEvent));
  }
  return { folder, files };
}

async function pullFile(url: string, target: string, file: string, onEvent: (event: PullEvent) => void): Promise<PulledFile> {
  if (existsSync(target)) {
    const { size } = await stat(target);
    const sha256 = (await recordedDigest(target)) ?? (await recordDigest(target, await digestOf(target, createHash('sha256'))));
    onEvent({ type: 'done', file, bytes: size, sha256, skipped: true });
    return { file, bytes: size, sha256, skipped: true };
  }
  const part = `${target}.part`;
  const { bytes, sha256 } = await download(url, part, file, onEvent);
  await rename(part, target);
  await recordDigest(target, sha256);
  onEvent({ type: 'done', file, bytes, sha256, skipped: false });
  return { file, bytes, sha256, skipped: false };
}

async function download(url: string, part: string, file: string, onEvent: (event: PullEvent) => void): Promise<{ bytes: number; sha256: string }> {
  const have = existsSync(part) ? (await stat(part)).size : 0;
  let response: Response;
  try {
    response = await fetch(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {} });
  } catch (error) {
    throw new ModelPullError('DOWNLOAD_FAILED', `${url}: ${failureReason(error)}`);
  }
  // A range past the end: the .part is whole or stale; start that file over.
  if (response.status === 416 && have > 0) {
    await rm(part);
    return download(url, part, file, onEvent);
  }
  if (!response.ok || !response.body) throw new ModelPullError('DOWNLOAD_FAILED', `${url}: HTTP ${response.status}`);
  const resumedFrom = response.status === 206 && rangeStart(response) === have ? have : 0;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  const total = Number.isFinite(length) ? resumedFrom + length : undefined;
  onEvent({ type: 'start', file, total, resumedFrom });

  const hash = createHash('sha256');
  if (resumedFrom > 0) await digestOf(part, hash);
  let bytes = resumedFrom;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      onEvent({ type: 'progress', file, bytes });
      done(null, chunk);
    },
  });
  try {
    // fetch's body is a web stream; Node's and the DOM's typings of it differ only in name.
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), count, createWriteStream(part, { flags: resumedFrom > 0 ? 'a' : 'w' }));
  } catch (error) {
    throw new ModelPullError('DOWNLOAD_FAILED', `${url}: ${failureReason(error)} after ${bytes} bytes; run the same command again to resume`);
  }
  if (total !== undefined && bytes !== total) {
    throw new ModelPullError('DOWNLOAD_FAILED', `${url}: got ${bytes} of ${total} bytes; run the same command again to resume`);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** The first byte of a 206 answer (`Content-Range: bytes 100-199/200`). */
function rangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}

function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

async function digestOf(path: string, hash: Hash): Promise<string> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.copy().digest('hex');
}

/** `<file>.sha256` in sha256sum's format, written after the file, so it is the newer of the two. */
async function recordDigest(path: string, sha256: string): Promise<string> {
  await writeFile(`${path}.sha256`, `${sha256}  ${path.split('/').at(-1) ?? ''}\n`);
  return sha256;
}

async function recordedDigest(path: string): Promise<string | undefined> {
  const sidecar = `${path}.sha256`;
  if (!existsSync(sidecar) || (await stat(sidecar)).mtimeMs < (await stat(path)).mtimeMs) return undefined;
  return /^[0-9a-f]{64}/.exec(await readFile(sidecar, 'utf8'))?.[0];
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * What a person sees: a bar per file while it downloads (on a terminal only; logs and pipes get
 * just the closing lines), then `file  size  sha256`.
 */
export function pullReporter(stdout: NodeJS.WritableStream, stderr: NodeJS.WriteStream): { onEvent: (event: PullEvent) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  const stop = () => {
    process.removeListener('exit', stop);
    bar?.stop();
    bar = undefined;
  };
  const onEvent = (event: PullEvent) => {
    if (event.type === 'start' && stderr.isTTY && event.total !== undefined) {
      bar = new SingleBar(
        { stream: stderr, format: `${event.file} [{bar}] {percentage}% | {got} of {size} | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: true },
        Presets.shades_classic,
      );
      bar.start(event.total, event.resumedFrom, { got: formatBytes(event.resumedFrom), size: formatBytes(event.total) });
      // Ctrl-C leaves through process.exit: the bar must clear its line (and give the cursor back) even then.
      process.once('exit', stop);
    } else if (event.type === 'progress') {
      bar?.update(event.bytes, { got: formatBytes(event.bytes) });
    } else if (event.type === 'done') {
      stop();
      stdout.write(`${event.file.padEnd(26)} ${formatBytes(event.bytes).padStart(10)}  sha256 ${event.sha256}${event.skipped ? '  (already there)' : ''}\n`);
    }
  };
  return { onEvent, stop };
}
