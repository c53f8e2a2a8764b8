/**
 * Where media lives in the bucket. Every object of a video sits under one prefix, so deleting
 * a video deletes a prefix, and an object key alone tells whose it is (S3 events carry only keys).
 */
const SOURCE_KEY = /^videos\/(acc_[0-9a-z]{26})\/(vid_[0-9a-z]{26})\/source\.([a-z0-9]{2,5})$/;

/** Every top-level prefix of customers' media (the search index's `index/` is not one): what routes are granted in AWS. */
export const MEDIA_PREFIXES = ['videos/', 'framemaps/'] as const;

export function videoPrefix(accountId: string, videoId: string): string {
  return `videos/${accountId}/${videoId}/`;
}

export function sourceKey(accountId: string, videoId: string, extension: string): string {
  return `${videoPrefix(accountId, videoId)}source.${extension}`;
}

/**
 * Where ingest keeps the bytes it checked: a key no presigned URL points at, so a second PUT to a
 * still-valid upload URL cannot replace them. Not a source key: its own object-created event is ignored.
 */
export function checkedKeyOf(sourceKeyOfVideo: string): string {
  return sourceKeyOfVideo.replace(/\/source\.([a-z0-9]{2,5})$/, '/checked.$1');
}

export function parseSourceKey(key: string): { accountId: string; videoId: string } | undefined {
  const match = SOURCE_KEY.exec(key);
  return match?.[1] && match[2] ? { accountId: match[1], videoId: match[2] } : undefined;
}

/** A frame's JPEG thumbnail (~320 px), named by its time in milliseconds so a re-run overwrites it. */
export function thumbnailKey(accountId: string, videoId: string, timeSecs: number): string {
  return `${videoPrefix(accountId, videoId)}thumbs/${String(Math.round(timeSecs * 1000)).padStart(9, '0')}.jpg`;
}

/** What one index chunk found, kept until the job's last chunk writes the video's rows in one commit. */
export function stagedChunkKey(accountId: string, videoId: string, jobId: string, chunkIndex: number): string {
  return `${stagingPrefix(accountId, videoId, jobId)}chunk-${String(chunkIndex).padStart(5, '0')}.json`;
}

export function stagingPrefix(accountId: string, videoId: string, jobId: string): string {
  return `${videoPrefix(accountId, videoId)}staging/${jobId}/`;
}

/** The frame maps of an account (GET /v1/framemap's cache): one object per scope, removed with the account. */
export function framemapPrefix(accountId: string): string {
  return `framemaps/${accountId}/`;
}

export function framemapKey(accountId: string, collectionId: string | undefined): string {
  return `${framemapPrefix(accountId)}${collectionId ?? 'all'}.json`;
}
