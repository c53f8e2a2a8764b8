import { isFaultArmed } from '#lib/faults';
import { searchIndex } from '#lib/search/index';
import { EpochCache } from '#lib/search/epoch-cache';
import { TextMatcher } from '#lib/search/text-match';
import { IndexUnavailableError } from '#lib/search/types';

/**
 * One TextMatcher per account, per process, built from the account's text rows in the index and
 * rebuilt when the account's `index_epoch` (read by authentication on every request) has moved:
 * every swap of a video's rows into the index bumps it. A 100-hour library (84 000 rows) reads in
 * ~0.4 s and builds in ~0.45 s, once per warm process and change; a match then takes ~2 ms for
 * both modes instead of ~20–30 ms of LanceDB full-text querying per mode (bench/search-http.ts). Rows of deleted videos may linger until the next rebuild; search
 * shows only visible videos (lib/search/visible-videos.ts). Least recently used accounts are let
 * go past a million rows held.
 */
const matchers = new EpochCache<TextMatcher>({ maxWeight: 1_000_000, weigh: (matcher) => matcher.rows.length });

/** The account's text matcher as of `indexEpoch`; IndexUnavailableError when the index cannot be read. */
export async function accountText(accountId: string, indexEpoch: number): Promise<TextMatcher> {
  if (isFaultArmed('search_index_unavailable')) throw new IndexUnavailableError('textRows: search index unavailable (fault switch)');
  return matchers.get(accountId, indexEpoch, async () => new TextMatcher(await searchIndex().textRows(accountId)));
}
