import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * The whole search path with an image-text model: FRAMESEEK_EMBEDDER=clip-onnx over the tiny dual
 * encoder of test/support/tiny-clip.ts. Settings are read once, when the first module that needs
 * them loads, so they are set here, before any import; the model's files are written before the
 * first embedding (the embedder loads them lazily).
 *
 * The tiny model has a meaning, so the right moment can be asserted: its text tower places the
 * words red, green and blue on the chroma directions its image tower gives a picture's mean
 * colour, and every other word at the origin. In the talking clip the navy scene is the blue one
 * and the dark olive scene the green one (cosines measured ≈ 0.94 and ≈ 0.5, every other scene
 * ≤ 0.28 and ≤ 0.24); a word the model does not know is at cosine 0 from every frame.
 */
const modelDir = await vi.hoisted(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join: joinPath } = await import('node:path');
  const directory = await mkdtemp(joinPath(tmpdir(), 'frameseek-search-clip-'));
  Object.assign(process.env, { FRAMESEEK_EMBEDDER: 'clip-onnx', FRAMESEEK_MODEL_DIR: directory, FRAMESEEK_CLIP_MODEL: 'tiny-clip' });
  return directory;
});

import { segmentsOf, signUp, uploadAndIndex, useTestApi, videosOf, type ApiResponse } from '#test/support/api';
import { mid, talkingClip, type MediaManifest } from '#test/support/talking-media';
import { writeTinyClip } from '#test/support/tiny-clip';
import { croppedFrame, searchForm } from '#test/support/search-requests';

const api = useTestApi();
afterAll(() => rm(modelDir, { recursive: true, force: true }));

/** Uploads the clip through a presigned PUT; resolves when its indexing job is done. */
async function indexed(token: string, manifest: MediaManifest): Promise<string> {
  const created = await api.post('/v1/collections', { token, body: { name: 'colours' } });
  const { videoId, job } = await uploadAndIndex(api, token, String(created.body.data.id), manifest.path);
  expect(job).toMatchObject({ status: 'done' });
  return videoId;
}

function search(token: string, body: Record<string, unknown>): Promise<ApiResponse> {
  return api.post('/v1/search', { token, body });
}

describe('POST /v1/search with the clip-onnx embedder', () => {
  let clip: MediaManifest;
  let token: string;
  let videoId: string;

  beforeAll(async () => {
    await writeTinyClip(join(modelDir, 'tiny-clip'));
    [clip, { token }] = await Promise.all([talkingClip(), signUp(api)]);
    videoId = await indexed(token, clip);
  }, 240_000);

  it('indexed the frames with the configured model, which the video names', async () => {
    const detail = await api.get(`/v1/videos/${videoId}`, { token });

    expect(detail.body.data).toMatchObject({
      status: 'ready',
      models: { embedder: expect.stringMatching(/^clip-onnx:tiny-clip@[0-9a-f]{12}$/), transcriber: expect.any(String), text_reader: expect.any(String) },
    });
  });

  it.each([
    ['blue', 0, 'color=c=navy'],
    ['green', 5, 'color=c=darkolivegreen'],
  ])('finds the %s scene from words alone in video mode: frame segments, no warning, rank 1 at its time (±3 s)', async (word, sceneIndex, source) => {
    const scene = clip.scenes[sceneIndex];
    expect(scene?.source).toBe(source);

    const response = await search(token, { query: word, modes: ['video'], thumbnails: 'none' });
    const [best] = videosOf(response);
    const segments = segmentsOf(best);
    const [top] = segments;
    const scores = segments.map((segment) => Number(segment.score));

    expect(response.status).toBe(200);
    expect(response.body.meta.warnings).toEqual([]);
    expect(response.body.meta.total).toBe(1);
    expect(best).toMatchObject({ video_id: videoId, score: scores[0] });
    expect(segments.every((segment) => String(segment.type) === 'frame' && segment.text_content === undefined)).toBe(true);
    expect(top).toMatchObject({ rank: 1, hidden: false });
    expect(Math.abs(Number(top?.timestamp_start) - mid(scene))).toBeLessThanOrEqual(3);
    expect(Number(top?.timestamp_end)).toBeLessThanOrEqual((scene?.end ?? 0) + 2);
    // Calibrated into [0, 1], at least the visual floor (0.5) to count as a match, best first.
    expect(scores.every((score) => score >= 0.5 && score <= 1)).toBe(true);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(segments.map((segment) => segment.rank)).toEqual(segments.map((_, index) => index + 1));
  });

  it('matches no frame for a word the model has no meaning for, and still runs the mode (no warning)', async () => {
    const response = await search(token, { query: 'piano', modes: ['video'] });

    expect(response.status).toBe(200);
    expect(response.body.meta).toMatchObject({ total: 0, warnings: [] });
    expect(response.body.data).toEqual([]);
  });

  it('lets the picture lead and the words refine: the navy picture with "green" answers the navy scene first and the green scene among its frames', async () => {
    const [navy, green] = [clip.scenes[0], clip.scenes[5]];
    const image = await croppedFrame(clip.path, mid(navy), 'jpeg');

    const response = await searchForm(
      api,
      token,
      { query: 'green', modes: 'video', thumbnails: 'none' },
      { bytes: image, type: 'image/jpeg', name: 'navy.jpg' },
    );
    const segments = segmentsOf(videosOf(response)[0]);
    const scores = segments.map((segment) => Number(segment.score));

    expect(response.status).toBe(200);
    expect(response.body.meta.warnings).toEqual([]);
    expect(segments.every((segment) => String(segment.type) === 'frame')).toBe(true);
    expect(segments[0]).toMatchObject({ rank: 1 });
    expect(Math.abs(Number(segments[0]?.timestamp_start) - mid(navy))).toBeLessThanOrEqual(3);
    expect(segments.some((segment) => Math.abs(Number(segment.timestamp_start) - mid(green)) <= 3)).toBe(true);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('fuses what is seen with what is shown: in all modes, blue finds the navy frames and the BLUE HARBOR caption', async () => {
    const caption = clip.captions[0];

    const response = await search(token, { query: 'blue', thumbnails: 'none' });
    const segments = segmentsOf(videosOf(response)[0]);
    const frame = segments.find((segment) => String(segment.type) === 'frame');
    const shown = segments.find((segment) => String(segment.type) === 'ocr');

    expect(videosOf(response).map((video) => video.video_id)).toEqual([videoId]);
    expect(Math.abs(Number(frame?.timestamp_start) - mid(clip.scenes[0]))).toBeLessThanOrEqual(3);
    expect(shown).toMatchObject({ text_content: expect.stringMatching(/BLUE HARBOR/i) });
    expect(Math.abs(Number(shown?.timestamp_start) - (caption?.start ?? 0))).toBeLessThanOrEqual(3);
  });
});
