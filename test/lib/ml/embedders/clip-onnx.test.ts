import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClipOnnxEmbedder } from '#lib/ml/embedders/clip-onnx';
import { EngineUnavailableError } from '#lib/ml/types';
import { TINY_CLIP_DIMENSION, writeTinyClip } from '#test/support/tiny-clip';
import { cosine } from '#lib/ml/vectors';

let modelDir: string;

beforeAll(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'frameseek-models-'));
  await writeTinyClip(join(modelDir, 'tiny'));
  await writeTinyClip(join(modelDir, 'tiny-single'), { layout: 'single' });
});

function solid(colour: string, width = 320, height = 180): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Three colour bands side by side: only the middle one survives CLIP's centre crop. */
async function bands(middle: string, sides: string): Promise<Buffer> {
  const band = (colour: string) =>
    sharp({ create: { width: 200, height: 200, channels: 3, background: colour } })
      .png()
      .toBuffer();
  return sharp({ create: { width: 600, height: 200, channels: 3, background: sides } })
    .composite([{ input: await band(middle), left: 200, top: 0 }])
    .png()
    .toBuffer();
}

function nearest(query: Float32Array, candidates: Float32Array[]): number {
  const scores = candidates.map((candidate) => cosine(query, candidate));
  return scores.indexOf(Math.max(...scores));
}

const FRAME_COLOURS = ['#e01010', '#10c020', '#1020e0', '#ffffff', '#000000', '#808080', '#f0e020'];

describe('ClipOnnxEmbedder', () => {
  it('names itself after the model and its files, and knows its dimension from config.json', async () => {
    const embedder = new ClipOnnxEmbedder({ modelDir, name: 'tiny' });
    const digest = (file: string) => readFile(join(modelDir, 'tiny', file)).then((bytes) => createHash('sha256').update(bytes).digest('hex'));
    const combined = createHash('sha256')
      .update(`${await digest('text_model.onnx')}\n${await digest('vision_model.onnx')}`)
      .digest('hex');

    expect(embedder.id).toBe(`clip-onnx:tiny@${combined.slice(0, 12)}`);
    expect(embedder.dimension).toBe(TINY_CLIP_DIMENSION);
    expect(embedder.understandsText).toBe(true);
  });

  it('places colour words nearest the pictures of that colour', async () => {
    const embedder = new ClipOnnxEmbedder({ modelDir, name: 'tiny' });
    const frames = await embedder.embedImages(await Promise.all(FRAME_COLOURS.map((colour) => solid(colour))));

    const [red, green, blue] = await embedder.embedText(['a photo of something red', 'GREEN', 'blue!']);

    expect([nearest(red, frames), nearest(green, frames), nearest(blue, frames)]).toEqual([0, 1, 2]);
    expect(cosine(red, frames[0])).toBeGreaterThan(0.9);
  });

  it('crops the centre of a wide picture, as CLIP does', async () => {
    const embedder = new ClipOnnxEmbedder({ modelDir, name: 'tiny' });

    const [redMiddle, blueMiddle] = await embedder.embedImages([await bands('#ff0000', '#0000ff'), await bands('#0000ff', '#ff0000')]);
    const [red, blue] = await embedder.embedText(['red', 'blue']);

    expect(cosine(red, redMiddle)).toBeGreaterThan(0.9);
    expect(cosine(blue, blueMiddle)).toBeGreaterThan(0.9);
  });

  it('returns unit vectors, the same in batches as one at a time', async () => {
    const embedder = new ClipOnnxEmbedder({ modelDir, name: 'tiny', batchSize: 4 });
    const images = await Promise.all(Array.from({ length: 10 }, (_, index) => solid(`hsl(${index * 36}, 80%, ${30 + index * 4}%)`)));
    const texts = Array.from({ length: 6 }, (_, index) => ['red', 'green', 'blue'][index % 3].repeat(1 + (index % 2)) + ' and red');

    const batchedImages = await embedder.embedImages(images);
    const singleImages = [];
    for (const image of images) singleImages.push(...(await embedder.embedImages([image])));
    const batchedTexts = await embedder.embedText(texts);
    const singleTexts = [];
    for (const text of texts) singleTexts.push(...(await embedder.embedText([text])));

    expect(batchedImages).toHaveLength(10);
    expect(batchedTexts).toHaveLength(6);
    for (const [batched, single] of [
      [batchedImages, singleImages],
      [batchedTexts, singleTexts],
    ]) {
      batched.forEach((vector, index) => {
        expect(vector).toHaveLength(TINY_CLIP_DIMENSION);
        expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
        vector.forEach((value, dim) => expect(value).toBeCloseTo(single[index][dim], 5));
      });
    }
  });

  it('reads a single model.onnx holding both encoders (with attention_mask) to the same vectors', async () => {
    const split = new ClipOnnxEmbedder({ modelDir, name: 'tiny' });
    const single = new ClipOnnxEmbedder({ modelDir, name: 'tiny-single' });
    const images = [await solid('#e01010'), await solid('#2040c0')];

    const [splitImages, singleImages] = [await split.embedImages(images), await single.embedImages(images)];
    const [splitTexts, singleTexts] = [await split.embedText(['red', 'blue photo']), await single.embedText(['red', 'blue photo'])];

    expect(single.id).toMatch(/^clip-onnx:tiny-single@[0-9a-f]{12}$/);
    for (const [a, b] of [
      [splitImages, singleImages],
      [splitTexts, singleTexts],
    ]) {
      a.forEach((vector, index) => vector.forEach((value, dim) => expect(value).toBeCloseTo(b[index][dim], 5)));
    }
  });

  it('learns its dimension from the model when config.json does not say', async () => {
    await writeTinyClip(join(modelDir, 'no-config'), { withConfig: false });
    const embedder = new ClipOnnxEmbedder({ modelDir, name: 'no-config' });

    expect(() => embedder.dimension).toThrow(EngineUnavailableError);
    const [vector] = await embedder.embedImages([await solid('#ff0000')]);

    expect(embedder.dimension).toBe(TINY_CLIP_DIMENSION);
    expect(vector).toHaveLength(TINY_CLIP_DIMENSION);
  });

  it('trusts the sha256 that `models pull` recorded beside a file, unless the file is newer', async () => {
    const folder = join(modelDir, 'recorded');
    await writeTinyClip(folder, { layout: 'single' });
    const recorded = 'ab'.repeat(32);
    await writeFile(join(folder, 'model.onnx.sha256'), `${recorded}  model.onnx\n`);
    const older = new Date(Date.now() - 60_000);
    await utimes(join(folder, 'model.onnx'), older, older);

    expect(new ClipOnnxEmbedder({ modelDir, name: 'recorded' }).id).toBe('clip-onnx:recorded@abababababab');

    await utimes(join(folder, 'model.onnx'), new Date(), new Date(Date.now() + 60_000));
    expect(new ClipOnnxEmbedder({ modelDir, name: 'recorded' }).id).not.toBe('clip-onnx:recorded@abababababab');
  });

  it('is unavailable without its files, naming the folder and the command that fetches them', async () => {
    const embedder = new ClipOnnxEmbedder({ modelDir, name: 'clip-vit-base-patch32' });

    const failure = await embedder.embedText(['red']).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(EngineUnavailableError);
    expect((failure as Error).message).toContain(join(modelDir, 'clip-vit-base-patch32'));
    expect((failure as Error).message).toContain('frameseek models pull clip-vit-base-patch32');
    expect(() => embedder.id).toThrow(EngineUnavailableError);
  });

  it('is unavailable when the model file is not a model', async () => {
    const folder = join(modelDir, 'broken');
    await writeTinyClip(folder);
    await writeFile(join(folder, 'vision_model.onnx'), 'not a model');
    const embedder = new ClipOnnxEmbedder({ modelDir, name: 'broken' });

    await expect(embedder.embedImages([await solid('#ff0000')])).rejects.toBeInstanceOf(EngineUnavailableError);
    await rm(folder, { recursive: true });
  });
});
