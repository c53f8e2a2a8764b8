import { hiddenSegments } from '#lib/db/search-feedback';
import { EpochCache } from '#lib/search/epoch-cache';

/**
 * The segments an account voted down, kept per process while its `feedback_epoch` holds: every
 * vote recorded or withdrawn bumps it in the same transaction (lib/db/search-feedback.ts), so a
 * vote hides (or shows again) at once, and a search needs no feedback query of its own (one
 * DynamoDB round trip and ~2 ms of the event loop fewer, bench/search-http.ts).
 */
const hidden = new EpochCache<Set<string>>({ maxWeight: 1_000_000, weigh: (keys) => keys.size + 1 });

/** Keys (segmentKey) of the account's hidden segments as of `feedbackEpoch`. */
export function hiddenFor(accountId: string, feedbackEpoch: number): Promise<Set<string>> {
  return hidden.get(accountId, feedbackEpoch, () => hiddenSegments(accountId));
}
