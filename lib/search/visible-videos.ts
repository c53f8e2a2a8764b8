import { batchGetVideos } from '#lib/db/videos';

/** What search shows of a ready video. None of it changes while the video stays ready. */
export interface VisibleVideo {
  video_id: string;
  collection_id: string;
  filename: string;
  source_key: string;
  /** The file's content hash when known: identical videos share it. */
  sha256: string | null;
}

/**
 * Ready videos as search last read them, per account, in this process. A search page names ~160
 * videos, and reading their records was the largest DynamoDB cost of a search (25 ms of ~100 on
 * DynamoDB Local, bench/search-http.ts). A video leaves search only by a transaction that also
 * bumps its account's `videos_epoch` (lib/db/accounts.ts `videoHidden`), which authentication
 * reads on every request: an account's entry is trusted only while that number is unchanged.
 * Only ready videos are kept; any other id is read again each time, so a video that becomes ready
 * is seen at once.
 */
interface AccountVideos {
  epoch: number;
  videos: Map<string, VisibleVideo>;
}

/** Bounds the memory of a long-lived process (a few hundred bytes each). */
const MAX_CACHED_VIDEOS = 100_000;
const byAccount = new Map<string, AccountVideos>();
let cachedVideos = 0;

function entryFor(accountId: string, epoch: number): AccountVideos {
  const existing = byAccount.get(accountId);
  // Kept by a request that read a newer epoch: read after that change, so good for this one too.
  if (existing !== undefined && existing.epoch >= epoch) return existing;
  if (existing) cachedVideos -= existing.videos.size;
  const fresh: AccountVideos = { epoch, videos: new Map() };
  byAccount.set(accountId, fresh);
  return fresh;
}

/** The videos among `videoIds` that search may show now: ready ones of this account, by id. */
export async function visibleVideos(accountId: string, videosEpoch: number, videoIds: readonly string[]): Promise<Map<string, VisibleVideo>> {
  const entry = entryFor(accountId, videosEpoch);
  const missing = [...new Set(videoIds)].filter((videoId) => !entry.videos.has(videoId));
  if (missing.length > 0) {
    const ready = (await batchGetVideos(accountId, missing)).filter((video) => video.status === 'ready');
    if (cachedVideos + ready.length > MAX_CACHED_VIDEOS) {
      for (const other of byAccount.values()) if (other !== entry) other.videos.clear();
      cachedVideos = entry.videos.size;
    }
    const current = byAccount.get(accountId) === entry;
    for (const video of ready) {
      if (entry.videos.has(video.video_id)) continue;
      entry.videos.set(video.video_id, {
        video_id: video.video_id,
        collection_id: video.collection_id,
        filename: video.filename,
        source_key: video.source_key,
        sha256: video.sha256 ?? null,
      });
      if (current) cachedVideos += 1;
    }
  }
  const visible = new Map<string, VisibleVideo>();
  for (const videoId of videoIds) {
    const video = entry.videos.get(videoId);
    if (video) visible.set(videoId, video);
  }
  return visible;
}
