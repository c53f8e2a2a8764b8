import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import * as z from 'zod';
import { ClipTokenizer, CLIP_CONTEXT_LENGTH } from '#lib/ml/embedders/clip-tokenizer';
import { EngineUnavailableError, type Embedder } from '#lib/ml/types';

/**
 * `clip-onnx`: a CLIP-style dual encoder exported to ONNX, read from `<model dir>/<name>/`:
 * `text_model.onnx` (`input_ids` int64 [batch, 77] → `text_embeds`) and `vision_model.onnx`
 * (`pixel_values` float32 [batch, 3, S, S] → `image_embeds`), or one `model.onnx` with both;
 * the tokenizer's `vocab.json` + `merges.txt`; optionally `config.json` / `preprocessor_config.json`
 * (projection_dim, image size, mean/std) as Hugging Face exports have them. Sessions are created
 * on first use and kept, so a warm function loads the model once.
 */
export const CLIP_DEFAULT_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_DEFAULT_STD = [0.26862954, 0.26130258, 0.27577711] as const;
const DEFAULT_IMAGE_SIZE = 224;
const DEFAULT_BATCH_SIZE = 16;

export interface ClipOnnxOptions {
  /** FRAMESEEK_MODEL_DIR: one folder per model inside. */
  modelDir: string;
  /** The model's folder name, e.g. `clip-vit-base-patch32` (FRAMESEEK_CLIP_MODEL). */
  name: string;
  /** Images or texts per inference call. */
  batchSize?: number;
  /** onnxruntime's intra-op threads; default: the cores, up to 4. */
  threads?: number;
}

type ModelFiles = { layout: 'split'; text: string; vision: string } | { layout: 'single'; model: string };

const threeNumbers = z.tuple([z.number(), z.number(), z.number()]);
const sizeSetting = z.union([z.number().int().positive(), z.object({ height: z.number().int().positive() }).transform((size) => size.height)]);
const configFile = z.object({
  projection_dim: z.number().int().positive().optional(),
  image_size: z.number().int().positive().optional(),
  image_mean: threeNumbers.optional(),
  image_std: threeNumbers.optional(),
  vision_config: z.object({ image_size: z.number().int().positive().optional() }).optional(),
});
const preprocessorFile = z.object({ crop_size: sizeSetting.optional(), image_mean: threeNumbers.optional(), image_std: threeNumbers.optional() });

interface Settings {
  dimension?: number;
  imageSize: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

function readJson<T>(path: string, schema: z.ZodType<T>): T | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * sha256 of the model files' bytes, in order. `frameseek models pull` leaves `<file>.sha256` beside
 * each file; it is trusted while it is not older than the file, which spares hashing ~600 MB at a cold start.
 */
function modelDigest(paths: readonly string[]): string {
  const digests = paths.map((path) => {
    const sidecar = `${path}.sha256`;
    if (existsSync(sidecar) && statSync(sidecar).mtimeMs >= statSync(path).mtimeMs) {
      const recorded = /^[0-9a-f]{64}/.exec(readFileSync(sidecar, 'utf8'));
      if (recorded) return recorded[0];
    }
    return sha256OfFile(path);
  });
  return digests.length === 1 ? (digests[0] ?? '') : createHash('sha256').update(digests.join('\n')).digest('hex');
}

function sha256OfFile(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(4 * 1024 * 1024);
  const descriptor = openSync(path, 'r');
  try {
    for (let read = readSync(descriptor, buffer); read > 0; read = readSync(descriptor, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(descriptor);
  }
  return hash.digest('hex');
}

function l2Normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const length = Math.sqrt(sum);
  return length === 0 ? vector : vector.map((value) => value / length);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export class ClipOnnxEmbedder implements Embedder {
  readonly understandsText = true;
  readonly folder: string;
  private readonly name: string;
  private readonly batchSize: number;
  private readonly threads: number;
  private resolvedFiles: ModelFiles | undefined;
  private resolvedId: string | undefined;
  private resolvedSettings: Settings | undefined;
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private tokenizer: Promise<ClipTokenizer> | undefined;

  constructor(options: ClipOnnxOptions) {
    this.name = options.name;
    this.folder = join(options.modelDir, options.name);
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism()));
  }

  /** `clip-onnx:<name>@<first 12 hex of the model files' sha256>`: a changed export is a different engine. */
  get id(): string {
    if (this.resolvedId === undefined) {
      const files = this.files();
      const digest = modelDigest(files.layout === 'split' ? [files.text, files.vision] : [files.model]);
      this.resolvedId = `clip-onnx:${this.name}@${digest.slice(0, 12)}`;
    }
    return this.resolvedId;
  }

  /** From `projection_dim` in config.json, or once a session is loaded, from the model's output shape. */
  get dimension(): number {
    const dimension = this.settings().dimension;
    if (dimension === undefined) {
      throw this.unavailable(`its dimension is not known before the model runs: add "projection_dim" to ${join(this.folder, 'config.json')}`);
    }
    return dimension;
  }

  async embedImages(images: readonly Buffer[]): Promise<Float32Array[]> {
    const files = this.files();
    const session = await this.session(files.layout === 'split' ? files.vision : files.model);
    const { imageSize } = this.settings();
    const vectors: Float32Array[] = [];
    for (const batch of chunks(images, this.batchSize)) {
      const pixels = await Promise.all(batch.map((image) => this.pixelValues(image)));
      const pixelValues = new ort.Tensor('float32', concatenate(pixels), [batch.length, 3, imageSize, imageSize]);
      const feeds: Record<string, ort.Tensor> = { pixel_values: pixelValues };
      // A single-file export wants both branches fed; one short text keeps the unused one cheap.
      if (session.inputNames.includes('input_ids')) Object.assign(feeds, this.textFeeds(session, await this.loadTokenizer(), ['']));
      vectors.push(...(await this.run(session, feeds, 'image_embeds', batch.length)));
    }
    return vectors;
  }

  async embedText(texts: readonly string[]): Promise<Float32Array[]> {
    const files = this.files();
    const tokenizer = await this.loadTokenizer();
    const session = await this.session(files.layout === 'split' ? files.text : files.model);
    const { imageSize } = this.settings();
    const vectors: Float32Array[] = [];
    for (const batch of chunks(texts, this.batchSize)) {
      const feeds = this.textFeeds(session, tokenizer, batch);
      if (session.inputNames.includes('pixel_values')) {
        feeds.pixel_values = new ort.Tensor('float32', new Float32Array(3 * imageSize * imageSize), [1, 3, imageSize, imageSize]);
      }
      vectors.push(...(await this.run(session, feeds, 'text_embeds', batch.length)));
    }
    return vectors;
  }

  /** `input_ids` (int64, padded to 77) and, for exports that take it, `attention_mask` (1 up to <|endoftext|>). */
  private textFeeds(session: ort.InferenceSession, tokenizer: ClipTokenizer, texts: readonly string[]): Record<string, ort.Tensor> {
    const ids = new BigInt64Array(texts.length * CLIP_CONTEXT_LENGTH);
    const mask = new BigInt64Array(texts.length * CLIP_CONTEXT_LENGTH);
    texts.forEach((text, row) => {
      const tokens = tokenizer.encode(text, CLIP_CONTEXT_LENGTH);
      const length = tokens.indexOf(tokenizer.endId) + 1;
      tokens.forEach((id, column) => {
        ids[row * CLIP_CONTEXT_LENGTH + column] = BigInt(id);
        mask[row * CLIP_CONTEXT_LENGTH + column] = column < length ? 1n : 0n;
      });
    });
    const dims = [texts.length, CLIP_CONTEXT_LENGTH];
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, dims) };
    if (session.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, dims);
    return feeds;
  }

  private async run(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string, rows: number): Promise<Float32Array[]> {
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await session.run(feeds, [output]);
    } catch (error) {
      throw this.unavailable(`the model failed to run: ${error instanceof Error ? error.message : String(error)}`);
    }
    const tensor = results[output];
    if (!(tensor instanceof ort.Tensor) || tensor.type !== 'float32' || tensor.dims.length !== 2 || tensor.dims[0] !== rows) {
      throw this.unavailable(`the model's ${output} is not a float32 [${rows}, dimension] tensor`);
    }
    const width = Number(tensor.dims[1]);
    const settings = this.settings();
    if (settings.dimension === undefined) settings.dimension = width;
    if (width !== settings.dimension) throw this.unavailable(`the model's ${output} has ${width} dimensions, its config says ${settings.dimension}`);
    const data = tensor.data as Float32Array;
    return Array.from({ length: rows }, (_, row) => l2Normalise(data.slice(row * width, (row + 1) * width)));
  }

  /** Shortest side to S (bicubic), centre crop S × S, /255, per-channel normalise, planar (CHW). */
  private async pixelValues(image: Buffer): Promise<Float32Array> {
    const { imageSize, mean, std } = this.settings();
    const { data } = await sharp(image, { failOn: 'none' })
      .rotate()
      .flatten({ background: '#000000' })
      .toColourspace('srgb')
      .resize(imageSize, imageSize, { fit: 'cover', position: 'centre', kernel: 'cubic' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const plane = imageSize * imageSize;
    const pixels = new Float32Array(3 * plane);
    // (value / 255 − mean) / std as one multiply-add per sample.
    for (let channel = 0; channel < 3; channel++) {
      const deviation = std[channel] ?? 1;
      const scale = 1 / (255 * deviation);
      const offset = -(mean[channel] ?? 0) / deviation;
      const start = channel * plane;
      for (let index = 0, source = channel; index < plane; index++, source += 3) pixels[start + index] = (data[source] ?? 0) * scale + offset;
    }
    return pixels;
  }

  private files(): ModelFiles {
    if (this.resolvedFiles) return this.resolvedFiles;
    const at = (file: string) => join(this.folder, file);
    const missing = ['vocab.json', 'merges.txt'].filter((file) => !existsSync(at(file)));
    let files: ModelFiles | undefined;
    if (existsSync(at('text_model.onnx')) && existsSync(at('vision_model.onnx')))
      files = { layout: 'split', text: at('text_model.onnx'), vision: at('vision_model.onnx') };
    else if (existsSync(at('model.onnx'))) files = { layout: 'single', model: at('model.onnx') };
    else missing.unshift('text_model.onnx + vision_model.onnx (or model.onnx)');
    if (!files || missing.length > 0) {
      throw this.unavailable(`${this.folder} lacks ${missing.join(', ')}; run \`frameseek models pull ${this.name}\` (or set FRAMESEEK_MODEL_DIR)`);
    }
    this.resolvedFiles = files;
    return files;
  }

  private settings(): Settings {
    if (this.resolvedSettings) return this.resolvedSettings;
    try {
      const config = readJson(join(this.folder, 'config.json'), configFile);
      const preprocessor = readJson(join(this.folder, 'preprocessor_config.json'), preprocessorFile);
      this.resolvedSettings = {
        dimension: config?.projection_dim,
        imageSize: config?.vision_config?.image_size ?? config?.image_size ?? preprocessor?.crop_size ?? DEFAULT_IMAGE_SIZE,
        mean: config?.image_mean ?? preprocessor?.image_mean ?? CLIP_DEFAULT_MEAN,
        std: config?.image_std ?? preprocessor?.image_std ?? CLIP_DEFAULT_STD,
      };
    } catch (error) {
      throw this.unavailable(`unreadable settings: ${error instanceof Error ? error.message : String(error)}`);
    }
    return this.resolvedSettings;
  }

  private session(path: string): Promise<ort.InferenceSession> {
    let session = this.sessions.get(path);
    if (!session) {
      session = ort.InferenceSession.create(path, {
        intraOpNumThreads: this.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // onnxruntime's pool spins after each run waiting for more work; a query embedding is one
        // run, followed at once by the k-NN on the same few cores, which the spinning slowed down
        // (tiny model, 2 cores: 0.93 → 0.38 ms of CPU per image embedding, the run itself unchanged).
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      }).catch((error: unknown) => {
        // Not kept: a later call may find the file repaired.
        this.sessions.delete(path);
        throw this.unavailable(`cannot load ${path}: ${error instanceof Error ? error.message : String(error)}`);
      });
      this.sessions.set(path, session);
    }
    return session;
  }

  private loadTokenizer(): Promise<ClipTokenizer> {
    this.tokenizer ??= ClipTokenizer.load(this.folder).catch((error: unknown) => {
      this.tokenizer = undefined;
      throw this.unavailable(`cannot load its tokenizer: ${error instanceof Error ? error.message : String(error)}`);
    });
    return this.tokenizer;
  }

  private unavailable(message: string): EngineUnavailableError {
    return new EngineUnavailableError(`clip-onnx:${this.name}`, `clip-onnx model ${this.name}: ${message}`);
  }
}

function concatenate(parts: readonly Float32Array[]): Float32Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const result = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}
