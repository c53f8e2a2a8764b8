import { config } from '#lib/config';
import { isFaultArmed } from '#lib/faults';
import { logWarn } from '#lib/log';
import { searchIndex } from '#lib/search/index';
import { EpochCache } from '#lib/search/epoch-cache';
import { TextMatcher } from '#lib/search/text-match';
import { IndexUnavailableError, type Scope, type SegmentHit, type TextSegmentRow } from '#lib/search/types';

type TextType = TextSegmentRow['type'];

/** How one account's transcript and on-screen text is matched for a search. */
export interface AccountText {
  /** In this process's memory (CPU work on this thread) rather than by the index. */
  readonly inMemory: boolean;
  /** The best `limit` rows of each type inside `scope` for `query`, best first, a list per type. */
  matchEach<T extends TextType>(scope: Scope, types: readonly T[], query: string, limit: number): Promise<Map<T, SegmentHit[]>>;
}

/**
 * Text search that scales with the index, not the account. By default the index's full-text
 * search answers (lance-index.ts matchText: exact words, near spellings only for words not found):
 * ~7 ms per mode on a 1 000-hour account, where reading the account's 840 000 text rows alone took
 * 22 s (bench/search-http.ts `--library-hours 1000`).
 *
 * A small account (at most FRAMESEEK_TEXT_IN_MEMORY_MAX_ROWS transcript and OCR rows) is matched in
 * memory once its matcher is built (lib/search/text-match.ts), which measured faster at every size
 * up to the 100-hour library (84 000 rows: ~2 ms for both modes against ~5–8 ms per mode by the
 * index; bench/search-http.ts prints both) but costs a read and a build per index change (0.4 s +
 * 0.45 s at 84 000 rows on a quiet machine, 1.9 s + 2.1 s on a loaded one). That build runs beside
 * searches, never in front of one: until it is done the index answers, so a search never waits for
 * it (nor fails on its read deadline) and a just-indexed video is found at once.
 *
 * Both the choice and a matcher are kept per warm process while the account's `index_epoch` (read
 * by authentication on every request) holds: every swap of a video's rows bumps it. The row count
 * behind the choice is one count on the account's bitmap index (~0.4 ms at 840 000 rows). Least
 * recently used matchers are let go past a million rows held.
 */
const sizes = new EpochCache<number>({ maxWeight: 100_000, weigh: () => 1 });
const matchers = new EpochCache<TextMatcher>({ maxWeight: 1_000_000, weigh: (matcher) => matcher.rows.length });

/** The account's text matching as of `indexEpoch`; IndexUnavailableError when the index cannot be read. */
export async function accountText(accountId: string, indexEpoch: number): Promise<AccountText> {
  if (isFaultArmed('search_index_unavailable')) throw new IndexUnavailableError('textRows: search index unavailable (fault switch)');
  const rows = await sizes.get(accountId, indexEpoch, () => searchIndex().countTextRows(accountId));
  if (rows > config.FRAMESEEK_TEXT_IN_MEMORY_MAX_ROWS) return indexedText;
  const ready = matchers.peek(accountId, indexEpoch);
  if (ready !== undefined) return inMemoryText(ready);
  // Built beside this search (once per epoch: the cache shares the load); a failed build is not kept and is tried again by a later search.
  matchers
    .get(accountId, indexEpoch, async () => new TextMatcher(await searchIndex().textRows(accountId)))
    .catch((error: unknown) => {
      logWarn('search: the in-memory text matcher was not built; the index answers', { accountId, error: String(error) });
    });
  return indexedText;
}

function inMemoryText(matcher: TextMatcher): AccountText {
  return { inMemory: true, matchEach: async (scope, types, query, limit) => matcher.matchEach(scope, types, query, limit) };
}

/** One full-text query per type, side by side in the index's threads. */
const indexedText: AccountText = {
  inMemory: false,
  async matchEach(scope, types, query, limit) {
    const index = searchIndex();
    const lists = await Promise.all(types.map(async (type) => [type, await index.matchText(scope, [type], query, limit)] as const));
    return new Map(lists);
  },
};
