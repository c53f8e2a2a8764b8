import { AppError } from '#lib/errors';
import { now } from '#lib/clock';
import { normalise } from '#lib/text';
import { getVideoRecord } from '#lib/db/videos';
import { clickCounts, putClick, putSearchRecord, searchQueryKey } from '#lib/db/search-clicks';

/**
 * Clicks on search results (POST /v1/search/click) and the ranking boost they give.
 *
 * A click names its search (`search_id`), whose query was kept when it ran, so it counts for that
 * query: per (account, normalised query, video), once per search and segment. A later search of
 * the same account with the same normalised query multiplies each clicked video's fused RRF by
 * clickBoost(clicks) before videos are ordered (lib/search/fusion.ts): at most 1 + MAX_CLICK_BOOST,
 * whatever the number of clicks, so a clicked video passes only videos whose RRF was within that
 * factor of its own; it cannot jump from the bottom of the list to the top. Other accounts' clicks
 * are never read (every item is in the clicking account's partition), and a video with no match
 * for the query is not brought in: the boost orders matches, it does not add them.
 *
 * MAX_CLICK_BOOST and CLICK_SATURATION were tuned on a seeded click log and checked on a held-out
 * part of it (bench/clicks.ts, numbers in the README).
 */
export const MAX_CLICK_BOOST = 0.05;
/** Clicks at which the boost reaches ~63 % of its bound (1 − e⁻¹). */
export const CLICK_SATURATION = 3;
/** Longer queries are counted by their first characters (DynamoDB's sort key is at most 1 KB). */
const QUERY_KEY_CHARS = 200;

export function clickBoost(clicks: number, bound = MAX_CLICK_BOOST, saturation = CLICK_SATURATION): number {
  if (!(clicks > 0)) return 1;
  return 1 + bound * (1 - Math.exp(-clicks / saturation));
}

/** The form a query is counted under: what normalise() makes of it, cut to a sort key's length. */
export function queryKeyOf(query: string | undefined): string | null {
  const key = normalise(query ?? '')
    .slice(0, QUERY_KEY_CHARS)
    .trim();
  return key === '' ? null : key;
}

/** Kept when a search with words runs, so its clicks can be counted for its query. */
export async function rememberSearch(accountId: string, searchId: string, query: string | undefined): Promise<void> {
  const queryKey = queryKeyOf(query);
  if (queryKey !== null) await putSearchRecord(accountId, searchId, queryKey, Math.floor(now().getTime() / 1000));
}

export interface Click {
  search_id: string;
  video_id: string;
  timestamp_start: number;
  timestamp_end?: number | undefined;
  rank: number;
}

/**
 * Records a click. The video must be the account's (VIDEO_NOT_FOUND otherwise, as for a vote). A
 * search the account did not run, one past its 7 days, or one without words is recorded but counts
 * for no query: nothing to boost.
 */
export async function recordClick(accountId: string, click: Click): Promise<void> {
  const [video, queryKey] = await Promise.all([getVideoRecord(accountId, click.video_id), searchQueryKey(accountId, click.search_id)]);
  if (!video || video.status === 'deleting') throw new AppError('VIDEO_NOT_FOUND');
  const at = now();
  await putClick(
    accountId,
    {
      search_id: click.search_id,
      video_id: click.video_id,
      timestamp_start: click.timestamp_start,
      timestamp_end: click.timestamp_end ?? null,
      rank: click.rank,
      query_key: queryKey,
      created_at: at.toISOString(),
    },
    Math.floor(at.getTime() / 1000),
  );
}

/** Boost per video for this account's query (videos never clicked for it are absent: 1). */
export async function clickBoostsFor(accountId: string, query: string | undefined): Promise<Map<string, number>> {
  const queryKey = queryKeyOf(query);
  if (queryKey === null) return new Map();
  const counts = await clickCounts(accountId, queryKey);
  return new Map([...counts].map(([videoId, clicks]) => [videoId, clickBoost(clicks)]));
}
