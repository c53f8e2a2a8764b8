import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BedrockEmbedder } from '#lib/ml/embedders/bedrock';
import { ClipOnnxEmbedder } from '#lib/ml/embedders/clip-onnx';
import { FrameDescriptorEmbedder } from '#lib/ml/embedders/frame-descriptor';
import { createEmbedder, type EmbedderSettings } from '#lib/ml/embedders/index';
import { startBedrockStandIn, TITAN_MODEL_ID, type RunningBedrockStandIn } from '#test/support/bedrock-standin';
import { writeTinyClip } from '#test/support/tiny-clip';

let modelDir: string;
let standIn: RunningBedrockStandIn;

beforeAll(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'frameseek-models-'));
  await writeTinyClip(join(modelDir, 'tiny'));
  standIn = await startBedrockStandIn();
});
afterAll(() => standIn.stop());

function settings(overrides: Partial<EmbedderSettings>): EmbedderSettings {
  return { kind: 'frame-descriptor', modelDir, clipModel: 'tiny', bedrockModelId: TITAN_MODEL_ID, region: 'us-east-1', ...overrides };
}

describe('createEmbedder', () => {
  it('builds the kind asked for', () => {
    expect(createEmbedder(settings({ kind: 'frame-descriptor' }))).toBeInstanceOf(FrameDescriptorEmbedder);
    expect(createEmbedder(settings({ kind: 'clip-onnx' }))).toBeInstanceOf(ClipOnnxEmbedder);
    expect(createEmbedder(settings({ kind: 'bedrock', bedrockEndpoint: standIn.url }))).toBeInstanceOf(BedrockEmbedder);
  });

  it('builds each embedder once per process, so a warm function keeps its loaded model', async () => {
    const first = createEmbedder(settings({ kind: 'clip-onnx' }));
    await first.embedText(['red']);

    const again = createEmbedder(settings({ kind: 'clip-onnx', bedrockModelId: 'unrelated to clip-onnx' }));

    expect(again).toBe(first);
    expect(createEmbedder(settings({ kind: 'clip-onnx', clipModel: 'other' }))).not.toBe(first);
  });

  it('gives a working Bedrock embedder pointed at the configured endpoint', async () => {
    const embedder = createEmbedder(settings({ kind: 'bedrock', bedrockEndpoint: standIn.url }));
    const picture = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();

    const [vector] = await embedder.embedImages([picture]);

    expect(vector).toHaveLength(embedder.dimension);
    expect(standIn.requests.at(-1)?.modelId).toBe(TITAN_MODEL_ID);
  });
});
