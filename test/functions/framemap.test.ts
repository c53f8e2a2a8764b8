import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createKey, errorOf, list, signUp, uploadAndIndex, useTestApi, type ApiResponse } from '#test/support/api';

const run = promisify(execFile);

/**
 * GET /v1/framemap (api.md) over a generated library: three silent videos, each the same three
 * scenes (a picture and a caption) in its own order, 5 s a scene. Frames of one scene must share a
 * cluster (≥ 90 % purity), and each cluster's label comes from its scene's caption.
 */
const api = useTestApi();

const SCENES = [
  { source: 'color=c=navy', caption: 'BLUE HARBOR SUNRISE' },
  { source: 'testsrc2', caption: 'GOLDEN DESERT ROAD' },
  { source: 'smptebars', caption: 'SILVER MOON CASTLE' },
] as const;
const ORDERS = [
  [0, 1, 2],
  [2, 0, 1],
  [1, 2, 0],
] as const;
const SCENE_SECS = 5;
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

async function sceneVideo(order: readonly number[], path: string): Promise<void> {
  const branches = order.map((scene, index) => {
    const { source, caption } = SCENES[scene] ?? SCENES[0];
    const input = `${source}${source.includes('=') ? ':' : '='}s=320x240:r=10`;
    return `${input},trim=duration=${SCENE_SECS},setpts=PTS-STARTPTS,format=yuv420p,drawtext=fontfile=${FONT}:text='${caption}':fontsize=26:fontcolor=white:box=1:boxcolor=black@0.85:boxborderw=9:x=(w-text_w)/2:y=(h-text_h)/2[s${index}];`;
  });
  const graph = `${branches.join('')}${order.map((_, index) => `[s${index}]`).join('')}concat=n=${order.length}:v=1:a=0[v]`;
  await run('ffmpeg', ['-v', 'error', '-y', '-filter_complex', graph, '-map', '[v]', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', path]);
}

let key = '';
let collectionId = '';
/** Video id → its scene order. */
const orders = new Map<string, readonly number[]>();

beforeAll(async () => {
  const { token } = await signUp(api);
  key = (await createKey(api, token)).key;
  collectionId = String((await api.post('/v1/collections', { token: key, body: { name: 'Scenes' } })).body.data.id);
  const dir = mkdtempSync(join(tmpdir(), 'framemap-'));
  for (const [index, order] of ORDERS.entries()) {
    const path = join(dir, `scenes-${index}.mp4`);
    await sceneVideo(order, path);
    const { videoId } = await uploadAndIndex(api, key, collectionId, path);
    orders.set(videoId, order);
  }
}, 600_000);

/** The scene a frame shows: by the middle of its two seconds. */
function sceneOf(frame: Record<string, unknown>): number {
  const order = orders.get(String(frame.video_id)) ?? [];
  const position = Math.min(order.length - 1, Math.floor((Number(frame.timestamp_start) + 0.5) / SCENE_SECS));
  return order[position] ?? -1;
}

function frames(response: ApiResponse): Array<Record<string, unknown>> {
  return list(response.body.data.frames) as unknown as Array<Record<string, unknown>>;
}

describe('GET /v1/framemap', () => {
  it('puts frames of one scene in one cluster (≥ 90 % purity), labels clusters from their captions, and answers the documented shape', async () => {
    const response = await api.get('/v1/framemap', { token: key });

    expect(response.status).toBe(200);
    const mapped = frames(response);
    const clusters = list(response.body.data.clusters) as unknown as Array<Record<string, unknown>>;
    expect(response.body.data).toMatchObject({ total_frames: mapped.length, total_videos: 3, total_collections: 1 });
    expect(mapped.length).toBeGreaterThanOrEqual(18);
    for (const frame of mapped) {
      expect(frame).toMatchObject({
        id: expect.any(String),
        video_id: expect.any(String),
        collection_id: collectionId,
        thumbnail_url: expect.stringContaining('http'),
      });
      expect(Number(frame.x)).toBeGreaterThanOrEqual(0);
      expect(Number(frame.y)).toBeLessThanOrEqual(1);
    }
    // Purity: each cluster's frames, the share of its most common scene, weighted by cluster size.
    const byCluster = new Map<number, number[]>();
    for (const frame of mapped) byCluster.set(Number(frame.cluster_id), [...(byCluster.get(Number(frame.cluster_id)) ?? []), sceneOf(frame)]);
    const dominant = new Map([...byCluster].map(([cluster, scenes]) => [cluster, mostCommon(scenes)]));
    const pure = [...byCluster].reduce((sum, [cluster, scenes]) => sum + scenes.filter((scene) => scene === dominant.get(cluster)).length, 0);
    expect(pure / mapped.length).toBeGreaterThanOrEqual(0.9);
    // And each scene mostly in one cluster (the map does not split a scene).
    for (const scene of [0, 1, 2]) {
      const homes = mapped.filter((frame) => sceneOf(frame) === scene).map((frame) => Number(frame.cluster_id));
      expect(homes.filter((home) => home === mostCommon(homes)).length / homes.length).toBeGreaterThanOrEqual(0.9);
    }
    for (const cluster of clusters) {
      const scene = SCENES[dominant.get(Number(cluster.id)) ?? 0];
      const captionWords = scene?.caption.toLowerCase().split(' ') ?? [];
      expect(
        String(cluster.label)
          .split(' ')
          .some((word) => captionWords.includes(word)),
      ).toBe(true);
      expect(cluster).toMatchObject({ color: expect.stringMatching(/^#[0-9a-f]{6}$/), frame_count: byCluster.get(Number(cluster.id))?.length });
    }
  });

  it('answers from its cache until force=true, scopes to a collection, and refuses an unknown collection', async () => {
    const first = await api.get(`/v1/framemap?collection_id=${collectionId}`, { token: key });
    const cachedAgain = await api.get(`/v1/framemap?collection_id=${collectionId}`, { token: key });
    const forced = await api.get(`/v1/framemap?collection_id=${collectionId}&force=true`, { token: key });
    const unknown = await api.get('/v1/framemap?collection_id=col_00000000000000000000000000', { token: key });
    const stranger = await signUp(api);
    const empty = await api.get('/v1/framemap', { token: (await createKey(api, stranger.token)).key });

    const layout = (response: ApiResponse) => frames(response).map((frame) => [frame.id, frame.x, frame.y, frame.cluster_id]);
    expect(layout(cachedAgain)).toEqual(layout(first));
    expect(layout(forced)).toEqual(layout(first));
    expect(Number(cachedAgain.body.meta.took_ms)).toBeLessThanOrEqual(Number(forced.body.meta.took_ms) + 50);
    expect([unknown.status, errorOf(unknown).code]).toEqual([404, 'COLLECTION_NOT_FOUND']);
    expect(empty.body.data).toEqual({ frames: [], clusters: [], total_frames: 0, total_videos: 0, total_collections: 0 });
  });
});

function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? -1;
}
