import { PCA } from 'ml-pca';
import { kmeans } from 'ml-kmeans';
import { now } from '#lib/clock';
import { throwIfArmed } from '#lib/faults';
import { logError, logInfo } from '#lib/log';
import { configuredEngines } from '#lib/ml/engines';
import { getAccount, isActive } from '#lib/db/accounts';
import { getCollectionRecord } from '#lib/db/collections';
import { failFrameMapRun, finishFrameMapRun } from '#lib/db/framemap-runs';
import { putObject } from '#lib/storage/objects';
import { framemapKey } from '#lib/storage/layout';
import { warmSearchIndex } from '#lib/search/index';
import { visibleVideos } from '#lib/search/visible-videos';
import { FRAMEMAP_FAILED_MESSAGE, frameMapScope, type FrameMapMessage, type StoredMap } from '#lib/search/framemap-answer';
import type { FrameWithVector, TextSegmentRow } from '#lib/search/types';

/**
 * The computation behind GET /v1/framemap (api.md): every indexed frame of the scope (the account,
 * or one collection) on a 2-D map, clustered, each cluster labelled by its most distinctive words.
 * It runs in the background, in the index worker (lib/search/framemap-answer.ts queues it), and
 * stores the map where the route answers it from.
 *
 * - Map: PCA (ml-pca) fitted on up to FIT_SAMPLE (2000) frames (an even, deterministic sample), every
 *   frame projected on the first two components, x and y scaled to [0, 1].
 * - Clusters: k-means (ml-kmeans, k-means++ with a fixed seed) over the same sample in the leading
 *   principal components (80 % of the variance, at most 16), k from 2 to MAX_CLUSTERS: the smallest
 *   whose mean silhouette reaches 80 % of the best k's (a moving scene splits into tight sub-groups
 *   that score a little higher, yet is one place on the map); every frame joins its nearest centroid.
 * - Labels: the transcript and on-screen text rows overlapping each frame's moment are the
 *   cluster's words; each cluster is named by its three words of highest tf-idf across clusters
 *   (a word every cluster has says nothing about one of them).
 * - At most MAX_MAP_FRAMES frames are kept (an even sample, every cluster counted in full): a
 *   Lambda answer is at most 6 MB. `total_frames` counts them all.
 */
export const MAX_MAP_FRAMES = 5000;
/** PCA's SVD of the sample is the costliest step (4.6 s at 4000 × 256 on a loaded 2-core machine). */
const FIT_SAMPLE = 2000;
const SILHOUETTE_SAMPLE = 600;
const MAX_CLUSTERS = 12;
/** Clusters are sought in the leading principal components that explain this share of the variance… */
const CLUSTER_VARIANCE = 0.8;
/** k is the smallest whose mean silhouette reaches this share of the best k's. */
const PARSIMONY = 0.8;
/** …but no more of them than this. */
const MAX_COMPONENTS = 16;
const KMEANS_SEED = 24;
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4', '#8c564b'];
const STOPWORDS = new Set(
  'the a an and or but of to in on at by for with from is are was were be been it its this that these those as into over under than then there here he she they we you i my our your their his her them us me not no yes so do does did have has had will would can could just'.split(
    ' ',
  ),
);

/**
 * One queued computation (the index worker's `framemap` message). A throw leaves the message for the
 * queue to deliver again; its last delivery records the failure on the scope's marker instead, where
 * the next GET shows it and starts again.
 */
export async function computeFrameMap(message: FrameMapMessage, delivery: { attempt: number; isLast: boolean }): Promise<void> {
  const scope = frameMapScope(message.collection_id);
  try {
    throwIfArmed('framemap_compute', message.account_id);
    const account = await getAccount(message.account_id);
    const collection = message.collection_id ? await getCollectionRecord(message.account_id, message.collection_id) : undefined;
    if (!account || !isActive(account) || (message.collection_id && (!collection || collection.status === 'deleting'))) {
      logInfo('framemap: scope gone, nothing to map', { account_id: message.account_id, scope });
      await finishFrameMapRun(message.account_id, scope, message.started_at);
      return;
    }
    const stored = await computeMap(
      message.account_id,
      { videosEpoch: account.videos_epoch ?? 0, indexEpoch: account.index_epoch ?? 0 },
      message.collection_id,
    );
    await putObject(framemapKey(message.account_id, message.collection_id), new TextEncoder().encode(JSON.stringify(stored)), 'application/json');
    await finishFrameMapRun(message.account_id, scope, message.started_at);
    logInfo('framemap: stored', { account_id: message.account_id, scope, frames: stored.total_frames });
  } catch (error) {
    if (!delivery.isLast) throw error;
    logError('framemap: computation failed for good', { account_id: message.account_id, scope, attempt: delivery.attempt, error });
    await failFrameMapRun(message.account_id, scope, message.started_at, now().toISOString(), FRAMEMAP_FAILED_MESSAGE);
  }
}

/** The map as stored, stamped with the index epoch read before the frames (a newer epoch makes it stale, never the reverse). */
async function computeMap(accountId: string, account: { videosEpoch: number; indexEpoch: number }, collectionId: string | undefined): Promise<StoredMap> {
  const index = await warmSearchIndex();
  const scope = { accountId, ...(collectionId ? { collectionId } : {}) };
  const [allFrames, textRows] = await Promise.all([index.frameVectors(scope, configuredEngines().embedder.id), index.textRows(accountId)]);
  const visible = await visibleVideos(accountId, account.videosEpoch, [...new Set(allFrames.map((frame) => frame.video_id))]);
  const frames = allFrames.filter((frame) => visible.has(frame.video_id));
  return layoutFrames(frames, textRows, account.indexEpoch);
}

/** The map of these frames (any order; sorted by id here), labelled from these text rows: no I/O (bench/framemap.ts times it). */
export function layoutFrames(unsorted: readonly FrameWithVector[], textRows: readonly TextSegmentRow[], indexEpoch: number): StoredMap {
  const frames = [...unsorted].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const base = { index_epoch: indexEpoch, computed_at: now().toISOString() };
  if (frames.length === 0) return { ...base, frames: [], clusters: [], total_frames: 0, total_videos: 0, total_collections: 0 };

  const vectors = frames.map((frame) => frame.vector);
  const fit = evenSample(
    vectors.map((_, position) => position),
    FIT_SAMPLE,
  );
  const projected = project(vectors, fit);
  const points = projected.map;
  const assignment = cluster(projected.coordinates, fit);
  const labels = labelClusters(frames, assignment.clusters, assignment.count, textRows);

  const clusters = Array.from({ length: assignment.count }, (_, id) => {
    const members = frames.filter((_, position) => assignment.clusters[position] === id);
    return {
      id,
      label: labels[id] ?? '',
      color: PALETTE[id % PALETTE.length] ?? '#888888',
      frame_count: members.length,
      video_count: new Set(members.map((frame) => frame.video_id)).size,
    };
  }).filter((entry) => entry.frame_count > 0);
  const shown = evenSample(
    frames.map((_, position) => position),
    MAX_MAP_FRAMES,
  );
  return {
    ...base,
    frames: shown.map((position) => {
      const frame = frames[position] as FrameWithVector;
      const point = points[position] ?? [0, 0];
      return {
        id: frame.id,
        x: round4(point[0] ?? 0),
        y: round4(point[1] ?? 0),
        video_id: frame.video_id,
        collection_id: frame.collection_id,
        timestamp_start: frame.start_secs,
        thumbnail_key: frame.thumbnail_key,
        cluster_id: assignment.clusters[position] ?? 0,
      };
    }),
    clusters,
    total_frames: frames.length,
    total_videos: new Set(frames.map((frame) => frame.video_id)).size,
    total_collections: new Set(frames.map((frame) => frame.collection_id)).size,
  };
}

/** Up to `limit` of `items`, evenly spread, in order (all of them when there are fewer). */
function evenSample<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, index) => items[Math.floor((index * items.length) / limit)] as T);
}

/**
 * PCA fitted on the sample; every vector projected on the leading components that together explain
 * CLUSTER_VARIANCE of the variance (2 to MAX_COMPONENTS of them): clusters are sought there, and
 * the first two, scaled to [0, 1], are the map's x and y. Clustering in the leading components
 * rather than the raw vector keeps a scene whose frames move a little (an animation, a pan) together.
 */
function project(vectors: readonly Float32Array[], fit: readonly number[]): { coordinates: number[][]; map: Array<[number, number]> } {
  const dimension = vectors[0]?.length ?? 0;
  const sample = fit.map((position) => Array.from(vectors[position] ?? []));
  if (sample.length < 3) return { coordinates: vectors.map((vector) => Array.from(vector)), map: vectors.map(() => [0.5, 0.5]) };
  const mean = Array.from({ length: dimension }, (_, d) => sample.reduce((sum, vector) => sum + (vector[d] ?? 0), 0) / sample.length);
  const pca = new PCA(sample, { center: true });
  const eigenvectors = pca.getEigenvectors();
  const explained = pca.getExplainedVariance();
  let components = 0;
  for (let covered = 0; components < Math.min(MAX_COMPONENTS, eigenvectors.columns) && (components < 2 || covered < CLUSTER_VARIANCE); components += 1) {
    covered += explained[components] ?? 0;
  }
  const axes = Array.from({ length: Math.max(2, components) }, (_, column) =>
    column < eigenvectors.columns ? eigenvectors.getColumn(column) : new Array<number>(dimension).fill(0),
  );
  // Plain loops over typed arrays: this is the one pass over every frame (180 000 in a 100-hour library).
  const centred = new Float64Array(dimension);
  const axisArrays = axes.map((axis) => Float64Array.from(axis));
  const coordinates = vectors.map((vector) => {
    for (let d = 0; d < dimension; d += 1) centred[d] = (vector[d] ?? 0) - (mean[d] ?? 0);
    return axisArrays.map((axis) => {
      let sum = 0;
      for (let d = 0; d < dimension; d += 1) sum += (centred[d] ?? 0) * (axis[d] ?? 0);
      return sum;
    });
  });
  const scale = (values: number[]) => {
    // A loop, not Math.min(...values): a spread of 100 000+ arguments overflows the stack.
    let [low, high] = [Infinity, -Infinity];
    for (const value of values) [low, high] = [Math.min(low, value), Math.max(high, value)];
    const span = high - low || 1;
    return values.map((value) => (value - low) / span);
  };
  const xs = scale(coordinates.map((point) => point[0] ?? 0));
  const ys = scale(coordinates.map((point) => point[1] ?? 0));
  return { coordinates, map: coordinates.map((_, position) => [xs[position] ?? 0.5, ys[position] ?? 0.5]) };
}

/** k-means on the sample for each k, chosen by mean silhouette (see PARSIMONY); every vector joins its nearest centroid. */
function cluster(vectors: number[][], fit: readonly number[]): { clusters: number[]; count: number } {
  const sample = fit.map((position) => vectors[position] ?? []);
  const distinct = new Set(sample.map((vector) => vector.join(','))).size;
  if (distinct < 3) return { clusters: vectors.map(() => 0), count: 1 };
  const judged = evenSample(
    sample.map((_, position) => position),
    SILHOUETTE_SAMPLE,
  );
  const tried: Array<{ score: number; centroids: number[][] }> = [];
  for (let k = 2; k <= Math.min(MAX_CLUSTERS, distinct - 1); k += 1) {
    const result = kmeans(sample, k, { initialization: 'kmeans++', seed: KMEANS_SEED, maxIterations: 100 });
    tried.push({ score: silhouette(sample, result.clusters, judged), centroids: result.centroids });
  }
  // The fewest clusters nearly as well separated as the best: a scene whose frames move (an
  // animation, a pan) splits into tight sub-groups that score a little higher, and is one place on the map.
  const top = Math.max(...tried.map((entry) => entry.score));
  const best = tried.find((entry) => entry.score >= PARSIMONY * top) ?? { centroids: [] };
  return { clusters: vectors.map((vector) => nearest(vector, best.centroids)), count: best.centroids.length };
}

function nearest(vector: readonly number[], centroids: readonly number[][]): number {
  let best = 0;
  let bestDistance = Infinity;
  centroids.forEach((centroid, index) => {
    const distance = squaredDistance(vector, centroid);
    if (distance < bestDistance) [best, bestDistance] = [index, distance];
  });
  return best;
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let d = 0; d < a.length; d += 1) sum += ((a[d] ?? 0) - (b[d] ?? 0)) ** 2;
  return sum;
}

/** Mean silhouette of the judged points (Euclidean). */
function silhouette(points: readonly number[][], clusters: readonly number[], judged: readonly number[]): number {
  let total = 0;
  for (const position of judged) {
    const own = clusters[position];
    const sums = new Map<number, { sum: number; count: number }>();
    for (const other of judged) {
      if (other === position) continue;
      const group = clusters[other] ?? 0;
      const entry = sums.get(group) ?? { sum: 0, count: 0 };
      entry.sum += Math.sqrt(squaredDistance(points[position] ?? [], points[other] ?? []));
      entry.count += 1;
      sums.set(group, entry);
    }
    const inside = sums.get(own ?? 0);
    const a = inside && inside.count > 0 ? inside.sum / inside.count : 0;
    const b = Math.min(...[...sums].filter(([group]) => group !== own).map(([, entry]) => entry.sum / entry.count));
    if (!inside || inside.count === 0 || !Number.isFinite(b)) continue;
    total += (b - a) / Math.max(a, b, 1e-12);
  }
  return total / Math.max(1, judged.length);
}

/** Each cluster's three words of highest tf-idf across clusters, from the text rows overlapping its frames. */
function labelClusters(frames: readonly FrameWithVector[], clusters: readonly number[], count: number, rows: readonly TextSegmentRow[]): string[] {
  const rowsByVideo = new Map<string, TextSegmentRow[]>();
  for (const row of rows) {
    const ofVideo = rowsByVideo.get(row.video_id) ?? [];
    ofVideo.push(row);
    rowsByVideo.set(row.video_id, ofVideo);
  }
  const termCounts = Array.from({ length: count }, () => new Map<string, number>());
  frames.forEach((frame, position) => {
    const counts = termCounts[clusters[position] ?? 0];
    if (!counts) return;
    for (const row of rowsByVideo.get(frame.video_id) ?? []) {
      if (row.end_secs <= frame.start_secs || row.start_secs >= frame.end_secs) continue;
      for (const word of words(row.text)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  });
  const clustersWith = new Map<string, number>();
  for (const counts of termCounts) for (const word of counts.keys()) clustersWith.set(word, (clustersWith.get(word) ?? 0) + 1);
  return termCounts.map((counts) =>
    [...counts]
      .map(([word, tf]) => ({ word, score: tf * Math.log((1 + count) / (clustersWith.get(word) ?? 1)) }))
      .sort((a, b) => b.score - a.score || (a.word < b.word ? -1 : 1))
      .slice(0, 3)
      .map((entry) => entry.word)
      .join(' '),
  );
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 3 && !STOPWORDS.has(word) && !/^\d+$/.test(word));
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
