/**
 * Where media lives in the bucket. Every object of a video sits under one prefix, so deleting
 * a video deletes a prefix, and an object key alone tells whose it is (S3 events carry only keys).
 */
const SOURCE_KEY = /^videos\/(acc_[0-9a-z]{26})\/(vid_[0-9a-z]{26})\/source\.([a-z0-9]{2,5})$/;

export function videoPrefix(accountId: string, videoId: string): string {
  return `videos/${accountId}/${videoId}/`;
}

export function sourceKey(accountId: string, videoId: string, extension: string): string {
  return `${videoPrefix(accountId, videoId)}source.${extension}`;
}

export function parseSourceKey(key: string): { accountId: string; videoId: string } | undefined {
  const match = SOURCE_KEY.exec(key);
  return match?.[1] && match[2] ? { accountId: match[1], videoId: match[2] } : undefined;
}
