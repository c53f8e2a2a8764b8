import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as OnnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { CLIP_DEFAULT_MEAN, CLIP_DEFAULT_STD } from '#lib/ml/embedders/clip-onnx';
import { bytesToUnicode, CLIP_CONTEXT_LENGTH, END_OF_TEXT, START_OF_TEXT } from '#lib/ml/embedders/clip-tokenizer';

/**
 * A tiny CLIP-style dual encoder, written as ONNX the way a real export is laid out, so the
 * clip-onnx embedder's loading, tokenizing, preprocessing and batching run for real without weights
 * from a hub. Its shared space has a meaning: the text branch places the words red, green and blue,
 * and the image branch places a picture's mean colour, on the same chroma directions, so the text
 * `red` lands nearest a red picture.
 *
 *   text:  input_ids int64 [batch, 77] → Gather(table [V, 5]) → ReduceMean over tokens → MatMul [5, D] → text_embeds
 *   image: pixel_values float [batch, 3, S, S] → ReduceMean over pixels → MatMul [3, D] + bias → image_embeds
 */
export const TINY_CLIP_DIMENSION = 32;
/** onnx-proto is CommonJS whose exports Node's ESM loader cannot see by name. */
const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof OnnxProto;
const IMAGE_SIZE = 224;

/** Enough merges to spell a few words whole, in CLIP's order of preference (lowest rank first). */
export const TINY_CLIP_MERGES: readonly (readonly [string, string])[] = [
  ['g', 'r'],
  ['r', 'e'],
  ['re', 'd</w>'],
  ['re', 'd'],
  ['e', 'e'],
  ['gr', 'ee'],
  ['gree', 'n</w>'],
  ['b', 'l'],
  ['u', 'e</w>'],
  ['bl', 'ue</w>'],
  ['o', 'f</w>'],
  ['p', 'h'],
  ['o', 't'],
  ['ph', 'ot'],
  ['phot', 'o</w>'],
];

/** Laid out as CLIP builds its own: bytes, bytes ending a word, one symbol per merge, then the markers. */
export function tinyClipVocabulary(): Map<string, number> {
  const bytes = bytesToUnicode();
  const symbols = [
    ...bytes,
    ...bytes.map((symbol) => `${symbol}</w>`),
    ...TINY_CLIP_MERGES.map(([first, second]) => first + second),
    START_OF_TEXT,
    END_OF_TEXT,
  ];
  return new Map(symbols.map((symbol, id) => [symbol, id]));
}

/**
 * The features both branches share, before projection: chroma (RGB minus its mean, 3), brightness
 * and a constant. Words give chroma only; a picture gives all five, so white, black and grey are
 * well-defined points that no colour word is near.
 */
const FEATURES = 5;
const BRIGHTNESS_WEIGHT = 0.5;
const CONSTANT = 0.1;

const WORD_FEATURES: Record<'red' | 'green' | 'blue', number[]> = {
  red: [2 / 3, -1 / 3, -1 / 3, 0, 0],
  green: [-1 / 3, 2 / 3, -1 / 3, 0, 0],
  blue: [-1 / 3, -1 / 3, 2 / 3, 0, 0],
};

/** [FEATURES, D] with orthonormal rows (disjoint supports), so cosines between features survive. */
function projection(dimension: number): number[][] {
  return Array.from({ length: FEATURES }, (_, row) => {
    const support = Array.from({ length: dimension }, (_, column) => column % FEATURES === row);
    const scale = 1 / Math.sqrt(support.filter(Boolean).length);
    return support.map((inside) => (inside ? scale : 0));
  });
}

function multiply(left: number[][], right: number[][]): number[][] {
  return left.map((row) => (right[0] ?? []).map((_, column) => row.reduce((sum, value, inner) => sum + value * (right[inner]?.[column] ?? 0), 0)));
}

function floatTensor(name: string, dims: number[], values: number[]): Onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values };
}

function ints(name: string, values: number[]): Onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function int(name: string, value: number): Onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function valueInfo(name: string, elemType: Onnx.TensorProto.DataType, dims: (number | string)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) } } },
  };
}

interface Branch {
  nodes: Onnx.INodeProto[];
  initializer: Onnx.ITensorProto[];
  input: Onnx.IValueInfoProto[];
  output: Onnx.IValueInfoProto[];
}

function textBranch(vocabulary: Map<string, number>, dimension: number): Branch {
  const table = Array.from({ length: vocabulary.size }, () => new Array<number>(FEATURES).fill(0));
  for (const [word, features] of Object.entries(WORD_FEATURES)) {
    const id = vocabulary.get(`${word}</w>`);
    if (id !== undefined) table[id] = features;
  }
  return {
    nodes: [
      { opType: 'Gather', input: ['token_table', 'input_ids'], output: ['token_vectors'], attribute: [int('axis', 0)] },
      { opType: 'ReduceMean', input: ['token_vectors'], output: ['text_mean'], attribute: [ints('axes', [1]), int('keepdims', 0)] },
      { opType: 'MatMul', input: ['text_mean', 'text_projection'], output: ['text_embeds'] },
    ],
    initializer: [
      floatTensor('token_table', [vocabulary.size, FEATURES], table.flat()),
      floatTensor('text_projection', [FEATURES, dimension], projection(dimension).flat()),
    ],
    input: [valueInfo('input_ids', onnx.TensorProto.DataType.INT64, ['text_batch', CLIP_CONTEXT_LENGTH])],
    output: [valueInfo('text_embeds', onnx.TensorProto.DataType.FLOAT, ['text_batch', dimension])],
  };
}

/**
 * The image branch undoes CLIP's normalisation inside its weights: with r = x·std + mean the mean
 * colour, features = r·M + [0, 0, 0, 0, constant], so the model computes x·(diag(std)·M·P) + (mean·M + constant)·P.
 */
function visionBranch(dimension: number): Branch {
  const features = [0, 1, 2].map((channel) => [0, 1, 2].map((column) => (channel === column ? 1 : 0) - 1 / 3).concat(BRIGHTNESS_WEIGHT / 3, 0));
  const toShared = multiply(features, projection(dimension));
  const weights = toShared.map((row, channel) => row.map((value) => value * (CLIP_DEFAULT_STD[channel] ?? 1)));
  const offset = (multiply([[...CLIP_DEFAULT_MEAN]], features)[0] ?? []).map((value, feature) => value + (feature === FEATURES - 1 ? CONSTANT : 0));
  const bias = multiply([offset], projection(dimension))[0] ?? [];
  return {
    nodes: [
      { opType: 'ReduceMean', input: ['pixel_values'], output: ['pixel_mean'], attribute: [ints('axes', [2, 3]), int('keepdims', 0)] },
      { opType: 'MatMul', input: ['pixel_mean', 'vision_projection'], output: ['vision_projected'] },
      { opType: 'Add', input: ['vision_projected', 'vision_bias'], output: ['image_embeds'] },
    ],
    initializer: [floatTensor('vision_projection', [3, dimension], weights.flat()), floatTensor('vision_bias', [dimension], bias)],
    input: [valueInfo('pixel_values', onnx.TensorProto.DataType.FLOAT, ['image_batch', 3, IMAGE_SIZE, IMAGE_SIZE])],
    output: [valueInfo('image_embeds', onnx.TensorProto.DataType.FLOAT, ['image_batch', dimension])],
  };
}

function model(name: string, branches: Branch[], extraInputs: Onnx.IValueInfoProto[] = []): Uint8Array {
  const graph: Onnx.IGraphProto = {
    name,
    node: branches.flatMap((branch) => branch.nodes),
    initializer: branches.flatMap((branch) => branch.initializer),
    input: [...branches.flatMap((branch) => branch.input), ...extraInputs],
    output: branches.flatMap((branch) => branch.output),
  };
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'frameseek-tests', opsetImport: [{ domain: '', version: 13 }], graph }).finish();
}

export interface TinyClipOptions {
  /** `split`: text_model.onnx + vision_model.onnx (default); `single`: one model.onnx that also takes attention_mask. */
  layout?: 'split' | 'single';
  /** Write config.json (projection_dim) and preprocessor_config.json, as Hugging Face exports have them. Default true. */
  withConfig?: boolean;
  /**
   * Width of both embeddings (at least 5), e.g. 512 as CLIP ViT-B/32 for benchmarks. Default
   * TINY_CLIP_DIMENSION. The model's meaning lives in 5 of them whatever the width.
   */
  dimension?: number;
}

/** Writes the export into `folder` and returns the names of the files written. */
export async function writeTinyClip(folder: string, options: TinyClipOptions = {}): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const dimension = options.dimension ?? TINY_CLIP_DIMENSION;
  if (!Number.isInteger(dimension) || dimension < FEATURES) throw new Error(`a tiny CLIP needs at least ${FEATURES} dimensions, not ${dimension}`);
  const vocabulary = tinyClipVocabulary();
  const files: Record<string, Uint8Array | string> = {
    'vocab.json': JSON.stringify(Object.fromEntries(vocabulary)),
    'merges.txt': ['#version: 0.2', ...TINY_CLIP_MERGES.map((pair) => pair.join(' '))].join('\n') + '\n',
  };
  if ((options.layout ?? 'split') === 'split') {
    files['text_model.onnx'] = model('tiny-clip-text', [textBranch(vocabulary, dimension)]);
    files['vision_model.onnx'] = model('tiny-clip-vision', [visionBranch(dimension)]);
  } else {
    const attentionMask = valueInfo('attention_mask', onnx.TensorProto.DataType.INT64, ['text_batch', CLIP_CONTEXT_LENGTH]);
    files['model.onnx'] = model('tiny-clip', [textBranch(vocabulary, dimension), visionBranch(dimension)], [attentionMask]);
  }
  if (options.withConfig ?? true) {
    files['config.json'] = JSON.stringify({ projection_dim: dimension, vision_config: { image_size: IMAGE_SIZE } });
    files['preprocessor_config.json'] = JSON.stringify({
      crop_size: { height: IMAGE_SIZE, width: IMAGE_SIZE },
      image_mean: CLIP_DEFAULT_MEAN,
      image_std: CLIP_DEFAULT_STD,
    });
  }
  for (const [name, content] of Object.entries(files)) await writeFile(join(folder, name), content);
  return Object.keys(files);
}
