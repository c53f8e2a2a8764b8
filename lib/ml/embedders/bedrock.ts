import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import pLimit from 'p-limit';
import sharp from 'sharp';
import * as z from 'zod';
import { EngineUnavailableError, type Embedder } from '#lib/ml/types';

/**
 * `bedrock`: Amazon Bedrock's multimodal embeddings (Titan Multimodal Embeddings G1,
 * `amazon.titan-embed-image-v1`), one InvokeModel call per image or text, text and pictures in one
 * space. The SDK retries throttling and 5xx itself; what still fails is EngineUnavailableError.
 */
export type TitanEmbeddingLength = 256 | 384 | 1024;

export interface BedrockEmbedderOptions {
  modelId: string;
  region: string;
  /** A stand-in's URL (tests); unset: the regional Bedrock endpoint. */
  endpoint?: string;
  /** Titan's outputEmbeddingLength: 256, 384 or 1024 (its default). */
  dimension?: TitanEmbeddingLength;
  /** InvokeModel calls in flight at once. */
  concurrency?: number;
}

/** Titan takes JPEG or PNG up to 2048 px a side; anything else is re-encoded to fit. */
const MAX_IMAGE_SIDE = 2048;
const DEFAULT_CONCURRENCY = 4;

const titanResponse = z.object({ embedding: z.array(z.number()) });

function l2Normalise(values: readonly number[]): Float32Array {
  const vector = Float32Array.from(values);
  let sum = 0;
  for (const value of vector) sum += value * value;
  const length = Math.sqrt(sum);
  return length === 0 ? vector : vector.map((value) => value / length);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function titanImage(image: Buffer): Promise<Buffer> {
  const { format, width = 0, height = 0 } = await sharp(image, { failOn: 'none' }).metadata();
  if ((format === 'jpeg' || format === 'png') && Math.max(width, height) <= MAX_IMAGE_SIDE) return image;
  return sharp(image, { failOn: 'none' })
    .rotate()
    .resize(MAX_IMAGE_SIDE, MAX_IMAGE_SIDE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 90 })
    .toBuffer();
}

export class BedrockEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: TitanEmbeddingLength;
  readonly understandsText = true;
  private readonly modelId: string;
  private readonly client: BedrockRuntimeClient;
  private readonly limit: ReturnType<typeof pLimit>;

  constructor(options: BedrockEmbedderOptions) {
    this.modelId = options.modelId;
    this.dimension = options.dimension ?? 1024;
    this.id = `bedrock:${options.modelId}@${this.dimension}`;
    this.client = new BedrockRuntimeClient({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    this.limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  async embedImages(images: readonly Buffer[]): Promise<Float32Array[]> {
    return Promise.all(images.map((image) => this.limit(async () => this.invoke({ inputImage: (await titanImage(image)).toString('base64') }))));
  }

  async embedText(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.all(texts.map((text) => this.limit(() => this.invoke({ inputText: text }))));
  }

  private async invoke(input: { inputImage: string } | { inputText: string }): Promise<Float32Array> {
    const request = { ...input, embeddingConfig: { outputEmbeddingLength: this.dimension } };
    let text: string;
    try {
      const response = await this.client.send(
        new InvokeModelCommand({ modelId: this.modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(request) }),
      );
      text = response.body.transformToString();
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new EngineUnavailableError(this.id, `Bedrock InvokeModel ${this.modelId} failed: ${reason}`);
    }
    const parsed = titanResponse.safeParse(parseJson(text));
    if (!parsed.success || parsed.data.embedding.length !== this.dimension) {
      throw new EngineUnavailableError(this.id, `Bedrock ${this.modelId} answered without a ${this.dimension}-value embedding`);
    }
    return l2Normalise(parsed.data.embedding);
  }
}
