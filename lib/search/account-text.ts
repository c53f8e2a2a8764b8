import { isFaultArmed } from '#lib/faults';
import { searchIndex } from '#lib/search/index';
import { TextMatcher } from '#lib/search/text-match';
import { IndexUnavailable } from '#lib/search/types';

/**
 * One TextMatcher per account, per process, built from the account's text rows in the index and
 * rebuilt when the account's `index_epoch` (read by authentication on every request) has moved:
 * every swap of a video's rows into the index bumps it. A 100-hour library (84 000 rows) reads in
 * ~90 ms and builds in ~200 ms, once per warm process and change, instead of ~20 ms of full-text
 * querying per mode and search. Rows of deleted videos may linger until the next rebuild; search
 * shows only visible videos (lib/search/visible-videos.ts). Least recently used accounts are let
 * go past MAX_HELD_ROWS.
 */
interface Held {
  epoch: number;
  matcher: Promise<TextMatcher>;
  rows: number;
}

const MAX_HELD_ROWS = 1_000_000;
const held = new Map<string, Held>();
/** Rows of the matchers in `held` that have finished building. */
let heldRows = 0;

function letGo(accountId: string): void {
  const entry = held.get(accountId);
  if (entry === undefined) return;
  heldRows -= entry.rows;
  held.delete(accountId);
}

/** The account's text matcher as of `indexEpoch`; IndexUnavailable when the index cannot be read. */
export async function accountText(accountId: string, indexEpoch: number): Promise<TextMatcher> {
  if (isFaultArmed('search_index_unavailable')) throw new IndexUnavailable('textRows: search index unavailable (fault switch)');
  let entry = held.get(accountId);
  // A request that read an older epoch than the one held is answered from the newer rows.
  if (entry === undefined || indexEpoch > entry.epoch) {
    const building: Held = {
      epoch: indexEpoch,
      rows: 0,
      matcher: searchIndex()
        .textRows(accountId)
        .then((rows) => new TextMatcher(rows)),
    };
    entry = building;
    letGo(accountId);
    held.set(accountId, building);
    // A failed read is not kept: the next search reads again.
    building.matcher.then(
      (matcher) => {
        // Let go already, or replaced by a newer build: these rows are not held.
        if (held.get(accountId) !== building) return;
        building.rows = matcher.rows.length;
        heldRows += building.rows;
        while (heldRows > MAX_HELD_ROWS && held.size > 1) {
          const oldest = held.keys().next().value;
          if (oldest === undefined || oldest === accountId) break;
          letGo(oldest);
        }
      },
      () => {
        if (held.get(accountId) === building) letGo(accountId);
      },
    );
  } else {
    // Most recently used last, so the first key is the one to let go.
    held.delete(accountId);
    held.set(accountId, entry);
  }
  return entry.matcher;
}
