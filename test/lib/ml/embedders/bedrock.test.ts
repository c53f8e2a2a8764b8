import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BedrockEmbedder } from '#lib/ml/embedders/bedrock';
import { EngineUnavailableError } from '#lib/ml/types';
import { startBedrockStandIn, TITAN_MODEL_ID, type RunningBedrockStandIn } from '#test/support/bedrock-standin';
import { cosine } from '#lib/ml/vectors';

/** The real Bedrock Runtime SDK, signing with the test's fake credentials, against the local stand-in. */
let standIn: RunningBedrockStandIn;

beforeAll(async () => {
  standIn = await startBedrockStandIn();
});
afterAll(() => standIn.stop());

function embedder(options: Partial<ConstructorParameters<typeof BedrockEmbedder>[0]> = {}): BedrockEmbedder {
  return new BedrockEmbedder({ modelId: TITAN_MODEL_ID, region: 'us-east-1', endpoint: standIn.url, ...options });
}

function picture(colour: string, format: 'jpeg' | 'webp' = 'jpeg'): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 180, channels: 3, background: colour } })
    .toFormat(format)
    .toBuffer();
}

function requestsSince(start: number) {
  return standIn.requests.slice(start);
}

describe('BedrockEmbedder', () => {
  it('sends each image as a signed Titan request and returns unit vectors of the configured length', async () => {
    const start = standIn.requests.length;
    const image = await picture('#e01010');

    const vectors = await embedder().embedImages([image, await picture('#1020e0')]);

    expect(vectors).toHaveLength(2);
    for (const vector of vectors) {
      expect(vector).toHaveLength(1024);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
    const sent = requestsSince(start);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({ modelId: TITAN_MODEL_ID, signed: true, body: { embeddingConfig: { outputEmbeddingLength: 1024 } } });
    expect(sent.map((request) => request.body.inputImage)).toContain(image.toString('base64'));
  });

  it('puts text and pictures in one space: a colour word is nearest its colour', async () => {
    const client = embedder({ dimension: 256 });
    const frames = await client.embedImages(await Promise.all(['#e01010', '#10c020', '#1020e0', '#ffffff'].map((colour) => picture(colour))));

    const [green] = await client.embedText(['a green field']);

    const scores = frames.map((frame) => cosine(green, frame));
    expect(scores.indexOf(Math.max(...scores))).toBe(1);
    expect(green).toHaveLength(256);
    expect(client.id).toBe(`bedrock:${TITAN_MODEL_ID}@256`);
  });

  it('re-encodes what Titan does not take (WebP) as JPEG', async () => {
    const start = standIn.requests.length;

    await embedder().embedImages([await picture('#10c020', 'webp')]);

    const [sent] = requestsSince(start);
    const { format } = await sharp(Buffer.from(String(sent.body.inputImage), 'base64')).metadata();
    expect(format).toBe('jpeg');
  });

  it('rides out a throttled request (the SDK retries it)', async () => {
    const start = standIn.requests.length;
    standIn.failNext(1, 'throttling');

    const [vector] = await embedder().embedText(['hello']);

    expect(vector).toHaveLength(1024);
    expect(requestsSince(start)).toHaveLength(2);
  });

  it('is unavailable while Bedrock keeps failing', async () => {
    const start = standIn.requests.length;
    standIn.failNext(10, 'unavailable');

    const failure = await embedder()
      .embedText(['hello'])
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(EngineUnavailableError);
    expect((failure as Error).message).toContain('ServiceUnavailableException');
    expect(requestsSince(start).length).toBeGreaterThan(1);
    standIn.heal();
  });

  it('is unavailable for a model Bedrock does not know', async () => {
    const failure = await embedder({ modelId: 'amazon.no-such-model-v9' })
      .embedImages([await picture('#ffffff')])
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(EngineUnavailableError);
    expect((failure as Error).message).toContain('ValidationException');
  });
});
