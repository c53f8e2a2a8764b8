import { BedrockEmbedder } from '#lib/ml/embedders/bedrock';
import { ClipOnnxEmbedder } from '#lib/ml/embedders/clip-onnx';
import { FrameDescriptorEmbedder } from '#lib/ml/embedders/frame-descriptor';
import type { Embedder } from '#lib/ml/types';

export interface EmbedderSettings {
  kind: 'frame-descriptor' | 'clip-onnx' | 'bedrock';
  /** FRAMESEEK_MODEL_DIR (clip-onnx). */
  modelDir: string;
  /** FRAMESEEK_CLIP_MODEL: the folder name inside modelDir (clip-onnx). */
  clipModel: string;
  /** FRAMESEEK_BEDROCK_MODEL_ID (bedrock). */
  bedrockModelId: string;
  /** FRAMESEEK_BEDROCK_ENDPOINT: a stand-in's URL (tests); unset: the real service. */
  bedrockEndpoint?: string;
  region: string;
}

const built = new Map<string, Embedder>();

/** What tells two settings apart for the kind chosen; the rest does not make another embedder. */
function cacheKey(settings: EmbedderSettings): string {
  switch (settings.kind) {
    case 'frame-descriptor':
      return settings.kind;
    case 'clip-onnx':
      return JSON.stringify([settings.kind, settings.modelDir, settings.clipModel]);
    case 'bedrock':
      return JSON.stringify([settings.kind, settings.bedrockModelId, settings.region, settings.bedrockEndpoint ?? null]);
  }
}

function build(settings: EmbedderSettings): Embedder {
  switch (settings.kind) {
    case 'frame-descriptor':
      return new FrameDescriptorEmbedder();
    case 'clip-onnx':
      return new ClipOnnxEmbedder({ modelDir: settings.modelDir, name: settings.clipModel });
    case 'bedrock':
      return new BedrockEmbedder({
        modelId: settings.bedrockModelId,
        region: settings.region,
        ...(settings.bedrockEndpoint ? { endpoint: settings.bedrockEndpoint } : {}),
      });
  }
}

/**
 * The embedder for these settings, built once per process: a warm function keeps its model's
 * sessions (clip-onnx loads lazily, on the first embedding) and its Bedrock client.
 */
export function createEmbedder(settings: EmbedderSettings): Embedder {
  const key = cacheKey(settings);
  let embedder = built.get(key);
  if (!embedder) {
    embedder = build(settings);
    built.set(key, embedder);
  }
  return embedder;
}
