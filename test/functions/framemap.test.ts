import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { armFault, disarmFault } from '#lib/faults';
import { localIndexQueue } from '#infra/local/host';
import { claimFrameMapRun } from '#lib/db/framemap-runs';
import { handleDeadLetter } from '#lib/schedules/dead-letters';
import { createKey, errorOf, list, signUp, uploadAndIndex, useTestApi, type ApiResponse } from '#test/support/api';

const run = promisify(execFile);

/**
 * GET /v1/framemap (api.md) over a generated library: three silent videos, each the same three
 * scenes (a picture and a caption) in its own order, 5 s a scene. Frames of one scene must share a
 * cluster (≥ 90 % purity), and each cluster's label comes from its scene's caption. The map is
 * computed in the background (the index worker) and answered from its cache.
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
let accountId = '';
let collectionId = '';
/** Video id → its scene order. */
const orders = new Map<string, readonly number[]>();

beforeAll(async () => {
  const owner = await signUp(api);
  accountId = owner.accountId;
  key = (await createKey(api, owner.token)).key;
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

/** Calls the route until the map it answers is ready (it is computed in the background); every answer before is kept. */
async function untilReady(path: string, token: string): Promise<{ ready: ApiResponse; before: ApiResponse[] }> {
  const before: ApiResponse[] = [];
  for (let waited = 0; waited < 120_000; waited += 250) {
    const response = await api.get(path, { token });
    if (String(response.body.meta?.framemap?.status) === 'ready') return { ready: response, before };
    before.push(response);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${path}: no ready map within 2 minutes`);
}

/** The frame map computations queued for this account and scope. */
function queuedMaps(account: string, collection?: string): number {
  return localIndexQueue.sent().filter((message) => message.kind === 'framemap' && message.account_id === account && message.collection_id === collection)
    .length;
}

const EMPTY_MAP = { frames: [], clusters: [], total_frames: 0, total_videos: 0, total_collections: 0 };

describe('GET /v1/framemap', () => {
  afterEach(() => disarmFault('framemap_compute'));

  it('answers 202 with an empty map of the documented shape while the first one computes in the background, starts it once however often it is called, then answers it from the cache', async () => {
    const first = await api.get('/v1/framemap', { token: key });
    const meanwhile = await Promise.all([1, 2, 3, 4].map(() => api.get('/v1/framemap', { token: key })));
    const { ready } = await untilReady('/v1/framemap', key);
    const cached = await api.get('/v1/framemap', { token: key });

    expect(first.status).toBe(202);
    expect(first.body.data).toEqual(EMPTY_MAP);
    expect(first.body.meta.framemap).toEqual({ status: 'computing', computed_at: null, stale: false, last_error: null });
    expect(list(first.body.meta.warnings)).toContainEqual(expect.stringContaining('computed in the background'));
    expect(meanwhile.every((response) => [200, 202].includes(response.status))).toBe(true);
    expect(queuedMaps(accountId)).toBe(1);
    expect([ready.status, ready.body.meta.framemap.status, ready.body.meta.framemap.stale]).toEqual([200, 'ready', false]);
    expect(cached.body.meta.framemap.computed_at).toBe(ready.body.meta.framemap.computed_at);
    expect(queuedMaps(accountId)).toBe(1);
  });

  it('puts frames of one scene in one cluster (≥ 90 % purity), labels clusters from their captions, and answers the documented shape', async () => {
    const { ready: response } = await untilReady('/v1/framemap', key);

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

  it('with force=true answers the map it has while a new one computes, then the new one; scopes to a collection and refuses an unknown one', async () => {
    const { ready: before } = await untilReady('/v1/framemap', key);
    const forced = await api.get('/v1/framemap?force=true', { token: key });
    const forcedAgain = await api.get('/v1/framemap?force=true', { token: key });
    const { ready: after } = await untilReady('/v1/framemap', key);
    const { ready: scoped } = await untilReady(`/v1/framemap?collection_id=${collectionId}`, key);
    const unknown = await api.get('/v1/framemap?collection_id=col_00000000000000000000000000', { token: key });
    const stranger = await signUp(api);
    const { ready: empty } = await untilReady('/v1/framemap', (await createKey(api, stranger.token)).key);

    const layout = (response: ApiResponse) => frames(response).map((frame) => [frame.id, frame.x, frame.y, frame.cluster_id]);
    expect(forced.status).toBe(200);
    expect(forced.body.meta.framemap).toMatchObject({ status: 'computing', computed_at: before.body.meta.framemap.computed_at, stale: false });
    expect(layout(forced)).toEqual(layout(before));
    expect([forcedAgain.status, forcedAgain.body.meta.framemap.status]).toEqual([200, 'computing']);
    expect(queuedMaps(accountId)).toBe(2);
    expect(Date.parse(String(after.body.meta.framemap.computed_at))).toBeGreaterThan(Date.parse(String(before.body.meta.framemap.computed_at)));
    expect(layout(after)).toEqual(layout(before));
    expect(scoped.body.data).toMatchObject({ total_videos: 3, total_collections: 1 });
    expect([unknown.status, errorOf(unknown).code]).toEqual([404, 'COLLECTION_NOT_FOUND']);
    expect(empty.body.data).toEqual(EMPTY_MAP);
  });

  it('shows a failed background computation on the next call, which starts it again', async () => {
    const path = `/v1/framemap?collection_id=${collectionId}&force=true`;
    armFault('framemap_compute', accountId);
    const started = await api.get(path, { token: key });
    let failed = started;
    for (let waited = 0; failed.body.meta?.framemap?.last_error == null && waited < 60_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      failed = await api.get(`/v1/framemap?collection_id=${collectionId}`, { token: key });
    }
    const queuedBeforeRetry = queuedMaps(accountId, collectionId);
    disarmFault('framemap_compute');
    const retried = await api.get(path, { token: key });
    const queuedAfterRetry = queuedMaps(accountId, collectionId);
    const { ready } = await untilReady(`/v1/framemap?collection_id=${collectionId}`, key);

    expect(started.body.meta.framemap.status).toBe('computing');
    expect(failed.body.meta.framemap.last_error).toEqual({ message: expect.stringContaining('could not be computed'), failed_at: expect.any(String) });
    expect(list(failed.body.meta.warnings)).toContainEqual(expect.stringContaining('failed'));
    expect(JSON.stringify(failed.body)).not.toMatch(/arn:aws|ConditionalCheckFailed|Injected/);
    expect(queuedAfterRetry).toBe(queuedBeforeRetry + 1);
    expect(retried.status).toBe(200);
    expect(ready.body.meta.framemap).toMatchObject({ status: 'ready', last_error: null });
  });

  it('shows a computation whose message reached the dead-letter queue as failed, and starts it again', async () => {
    const owner = await signUp(api);
    const ownerKey = (await createKey(api, owner.token)).key;
    const startedAt = new Date().toISOString();
    await claimFrameMapRun(owner.accountId, 'all', startedAt, '1970-01-01T00:00:00.000Z');
    const whileRunning = await api.get('/v1/framemap', { token: ownerKey });
    const queuedWhileRunning = queuedMaps(owner.accountId);

    const outcome = await handleDeadLetter({ kind: 'framemap', account_id: owner.accountId, started_at: startedAt });
    const next = await api.get('/v1/framemap', { token: ownerKey });

    expect([whileRunning.status, whileRunning.body.meta.framemap.last_error, queuedWhileRunning]).toEqual([202, null, 0]);
    expect(outcome).toBe('failed_framemap');
    expect(next.status).toBe(202);
    expect(next.body.meta.framemap).toMatchObject({ status: 'computing', last_error: { message: expect.stringContaining('could not be computed') } });
    expect(queuedMaps(owner.accountId)).toBe(1);
  });
});

function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? -1;
}
