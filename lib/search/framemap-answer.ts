import { AppError } from '#lib/errors';
import { now, nowMs } from '#lib/clock';
import { host } from '#lib/hosts/host';
import { getCollectionRecord } from '#lib/db/collections';
import { claimFrameMapRun, failFrameMapRun, getFrameMapRun } from '#lib/db/framemap-runs';
import { presignGet, readObject } from '#lib/storage/objects';
import { framemapKey } from '#lib/storage/layout';
import type { AccountSnapshot } from '#lib/auth/principal';

/**
 * GET /v1/framemap (api.md: "computed in the background and cached"). The route never computes: it
 * answers the stored map of the scope when it is current (no video indexed or deleted since it was
 * made), and otherwise — or with `force=true` — starts the computation in the index worker
 * (lib/search/framemap.ts: it carries the index engine and runs up to 15 minutes) and answers at once:
 *
 * - a stored map exists (stale, or current and forced, or while a forced computation runs): 200 with
 *   that map, `meta.framemap.status` `computing` and a `meta.warnings` entry; call again for the new one;
 * - none: 202 with an empty map of the documented shape, `meta.framemap.status` `computing`.
 *
 * At most one computation per scope runs: a conditional marker (lib/db/framemap-runs.ts) is claimed
 * before the work is queued, so calls while it runs start nothing. A computation that gave up is
 * recorded there; the next call reports it (`meta.framemap.last_error`) and starts it again.
 */
export interface FrameMap {
  frames: Array<{
    id: string;
    x: number;
    y: number;
    video_id: string;
    collection_id: string;
    timestamp_start: number;
    thumbnail_url: string;
    cluster_id: number;
  }>;
  clusters: Array<{ id: number; label: string; color: string; frame_count: number; video_count: number }>;
  total_frames: number;
  total_videos: number;
  total_collections: number;
}

/** What the cache keeps: the map with thumbnail keys (links are signed per answer) and the epoch it was made at. */
export interface StoredMap {
  index_epoch: number;
  computed_at: string;
  frames: Array<Omit<FrameMap['frames'][number], 'thumbnail_url'> & { thumbnail_key: string }>;
  clusters: FrameMap['clusters'];
  total_frames: number;
  total_videos: number;
  total_collections: number;
}

/** The index worker's message for one computation (lib/indexing/queue.ts carries it). */
export interface FrameMapMessage {
  kind: 'framemap';
  account_id: string;
  collection_id?: string;
  /** The claim this computation belongs to (its marker's `started_at`). */
  started_at: string;
}

/** What a client is told about the map it got (`meta.framemap`). */
export interface FrameMapStatus {
  /** `ready`: the answer is the current map. `computing`: a new one is being made in the background. */
  status: 'ready' | 'computing';
  /** When the answered map was made (null when there is none yet). */
  computed_at: string | null;
  /** The answered map predates the latest indexing or deletion of the scope's account. */
  stale: boolean;
  /** The last background computation gave up (a missing or stale map is started again by this call). */
  last_error: { message: string; failed_at: string } | null;
}

export interface FrameMapAnswer {
  map: FrameMap;
  status: FrameMapStatus;
  warnings: string[];
  /** Nothing to show yet: answered 202. */
  accepted: boolean;
}

/** Longer than the index worker's 15-minute timeout: a marker older than this belongs to a worker that died silently. */
const STALE_RUN_MS = 16 * 60 * 1000;
const LINK_SECS = 60 * 60;
export const FRAMEMAP_FAILED_MESSAGE = 'The frame map could not be computed (three attempts); this call started it again';
const EMPTY_MAP: FrameMap = { frames: [], clusters: [], total_frames: 0, total_videos: 0, total_collections: 0 };

export function frameMapScope(collectionId: string | undefined): string {
  return collectionId ?? 'all';
}

export async function frameMap(
  accountId: string,
  account: AccountSnapshot,
  request: { collectionId?: string | undefined; force: boolean },
): Promise<FrameMapAnswer> {
  if (request.collectionId) {
    const collection = await getCollectionRecord(accountId, request.collectionId);
    if (!collection || collection.status === 'deleting') throw new AppError('COLLECTION_NOT_FOUND');
  }
  const scope = frameMapScope(request.collectionId);
  const [stored, previous] = await Promise.all([storedMap(framemapKey(accountId, request.collectionId)), getFrameMapRun(accountId, scope)]);
  const current = stored !== undefined && stored.index_epoch === account.indexEpoch;
  const lastError =
    previous?.status === 'failed' ? { message: previous.error_message ?? FRAMEMAP_FAILED_MESSAGE, failed_at: previous.failed_at ?? previous.started_at } : null;
  const running = previous?.status === 'computing';
  if (stored && current && !request.force && !running) {
    const warnings = lastError ? [`A recomputation (force=true) failed at ${lastError.failed_at}; this map is still current.`] : [];
    return {
      map: await dressed(stored),
      status: { status: 'ready', computed_at: stored.computed_at, stale: false, last_error: lastError },
      warnings,
      accepted: false,
    };
  }

  // Missing, stale or forced: start it (a no-op while one runs). A current map whose forced recomputation runs is answered as it is.
  if (!(stored && current && !request.force)) await startComputation(accountId, request.collectionId);
  const status: FrameMapStatus = {
    status: 'computing',
    computed_at: stored?.computed_at ?? null,
    stale: stored !== undefined && !current,
    last_error: lastError,
  };
  const warnings = [
    stored
      ? `A new frame map is being computed in the background; this is the one computed at ${stored.computed_at}. Call again shortly for the new one.`
      : 'The frame map is being computed in the background; call again shortly (meta.framemap.status becomes "ready").',
    ...(lastError ? [`The previous computation failed at ${lastError.failed_at}; it was started again.`] : []),
  ];
  return { map: stored ? await dressed(stored) : EMPTY_MAP, status, warnings, accepted: stored === undefined };
}

/** Claims the scope's computation and queues it; does nothing while another one runs. */
async function startComputation(accountId: string, collectionId: string | undefined): Promise<void> {
  const scope = frameMapScope(collectionId);
  const startedAt = now().toISOString();
  const claimed = await claimFrameMapRun(accountId, scope, startedAt, new Date(nowMs() - STALE_RUN_MS).toISOString());
  if (!claimed) return;
  const message: FrameMapMessage = { kind: 'framemap', account_id: accountId, ...(collectionId ? { collection_id: collectionId } : {}), started_at: startedAt };
  try {
    await enqueueFrameMap(message);
  } catch (error) {
    // Not queued: recorded as failed, so the next call claims it again.
    await failFrameMapRun(accountId, scope, startedAt, now().toISOString(), 'The frame map computation could not be queued; this call started it again');
    throw error;
  }
}

/** Queues a computation on the index queue (the index worker carries the index engine). */
export async function enqueueFrameMap(message: FrameMapMessage): Promise<void> {
  await host().enqueue('index', [message]);
}

/** A computation whose message reached the dead-letter queue (its worker died on every try): recorded as failed. */
export async function failFrameMapFromDeadLetter(message: FrameMapMessage): Promise<void> {
  await failFrameMapRun(message.account_id, frameMapScope(message.collection_id), message.started_at, now().toISOString(), FRAMEMAP_FAILED_MESSAGE);
}

/** The stored map of a scope; one that cannot be read (cut short) counts as missing, so it is computed again. */
async function storedMap(key: string): Promise<StoredMap | undefined> {
  const bytes = await readObject(key);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as StoredMap;
  } catch {
    return undefined;
  }
}

async function dressed(stored: StoredMap): Promise<FrameMap> {
  const { index_epoch: _epoch, computed_at: _at, frames, ...rest } = stored;
  const withLinks = await Promise.all(
    frames.map(async ({ thumbnail_key, ...frame }) => ({ ...frame, thumbnail_url: thumbnail_key ? await presignGet(thumbnail_key, LINK_SECS) : '' })),
  );
  return { frames: withLinks, ...rest };
}
