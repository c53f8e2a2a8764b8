import { DetectTextCommand, RekognitionClient, type TextDetection } from '@aws-sdk/client-rekognition';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { EngineUnavailableError, type TextReader } from '#lib/ml/types';

/**
 * `aws-rekognition`: on-screen text with Amazon Rekognition's DetectText, one call per frame with
 * the image inline. Rekognition answers lines and words; only lines it is sure of are kept, read
 * top to bottom as a caption is. The SDK retries throttling and 5xx itself; what still fails is
 * EngineUnavailableError.
 */
export interface RekognitionTextReaderOptions {
  region: string;
  /** A stand-in's URL (tests); unset: the regional Rekognition endpoint. */
  endpoint?: string;
  /** Lines under this confidence (0–100) are dropped. */
  minConfidence?: number;
  /** Attempts per call, the SDK's retries included (its default: 3). */
  maxAttempts?: number;
}

export const REKOGNITION_READER_ID = 'aws-rekognition@detect-text';
/** Rekognition's own filter stops at 50; below 80 its lines are mostly misread textures and logos. */
const MIN_LINE_CONFIDENCE = 80;
/** DetectText takes inline JPEG/PNG up to 5 MB; frames are far smaller, but a caller's image may not be. */
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const OVERSIZE_SIDE = 1920;
const CONCURRENT_CALLS = 4;

export class RekognitionTextReader implements TextReader {
  readonly id = REKOGNITION_READER_ID;
  private readonly client: RekognitionClient;
  private readonly minConfidence: number;

  constructor(options: RekognitionTextReaderOptions) {
    this.client = new RekognitionClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    });
    this.minConfidence = options.minConfidence ?? MIN_LINE_CONFIDENCE;
  }

  async read(image: Buffer): Promise<string> {
    const bytes = await withinSizeLimit(image);
    let detections: TextDetection[];
    try {
      const response = await this.client.send(new DetectTextCommand({ Image: { Bytes: bytes } }));
      detections = response.TextDetections ?? [];
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new EngineUnavailableError(this.id, `Rekognition DetectText failed: ${reason}`);
    }
    return linesOf(detections, this.minConfidence);
  }

  /** One DetectText call per image (the API takes one), a few in flight: its default quota is a handful of calls a second per account. */
  async readAll(images: readonly Buffer[]): Promise<string[]> {
    const limit = pLimit(CONCURRENT_CALLS);
    return Promise.all(images.map((image) => limit(() => this.read(image))));
  }
}

/** LINE detections at or above the confidence, top to bottom (left to right on the same top), joined by '\n'. */
export function linesOf(detections: readonly TextDetection[], minConfidence: number): string {
  return detections
    .filter((detection) => detection.Type === 'LINE' && (detection.Confidence ?? 0) >= minConfidence && detection.DetectedText?.trim())
    .map((detection) => ({ text: (detection.DetectedText ?? '').trim(), box: detection.Geometry?.BoundingBox ?? {} }))
    .sort((a, b) => (a.box.Top ?? 0) - (b.box.Top ?? 0) || (a.box.Left ?? 0) - (b.box.Left ?? 0))
    .map((line) => line.text)
    .join('\n');
}

async function withinSizeLimit(image: Buffer): Promise<Uint8Array> {
  if (image.length <= MAX_IMAGE_BYTES) return image;
  return sharp(image, { failOn: 'none' })
    .rotate()
    .resize(OVERSIZE_SIDE, OVERSIZE_SIDE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer();
}
