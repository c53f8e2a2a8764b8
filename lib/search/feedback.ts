import { AppError } from '#lib/errors';
import { now } from '#lib/clock';
import { getVideoRecord } from '#lib/db/videos';
import { deleteFeedback, putFeedback } from '#lib/db/search-feedback';

/** api.md: a vote on one search segment; a down vote hides it from the account's searches unless `include_hidden`. */
async function requireVideo(accountId: string, videoId: string): Promise<void> {
  const video = await getVideoRecord(accountId, videoId);
  if (!video || video.status === 'deleting') throw new AppError('VIDEO_NOT_FOUND');
}

export async function recordFeedback(
  accountId: string,
  vote: { video_id: string; timestamp_start: number; signal: 'up' | 'down'; query?: string | undefined },
): Promise<void> {
  await requireVideo(accountId, vote.video_id);
  await putFeedback(accountId, {
    video_id: vote.video_id,
    timestamp_start: vote.timestamp_start,
    signal: vote.signal,
    query: vote.query ?? null,
    created_at: now().toISOString(),
  });
}

/** Withdraws a vote (a hidden segment shows again). Withdrawing none is fine: the outcome is the same. */
export async function withdrawFeedback(accountId: string, videoId: string, timestampStart: number): Promise<void> {
  await requireVideo(accountId, videoId);
  await deleteFeedback(accountId, videoId, timestampStart);
}
