import { hiddenSegments } from '#lib/db/search-feedback';

/**
 * The segments an account voted down, as search last read them in this process. Every change to
 * an account's feedback bumps its `feedback_epoch` in the same transaction (lib/db/search-feedback.ts),
 * and authentication reads that number on every request: an entry is used only while it matches,
 * so a vote hides (or shows again) at once, and a search needs no feedback query of its own
 * (one DynamoDB round trip and ~2 ms of the event loop fewer, bench/search-http.ts).
 */
interface Held {
  epoch: number;
  keys: Promise<Set<string>>;
}

/** Bounds a long-lived process's memory: accounts beyond it are let go, least recently used first. */
const MAX_ACCOUNTS = 10_000;
const held = new Map<string, Held>();

/** Keys (segmentKey) of the account's hidden segments as of `feedbackEpoch`. */
export function hiddenFor(accountId: string, feedbackEpoch: number): Promise<Set<string>> {
  let entry = held.get(accountId);
  // Read by a request that saw a newer epoch: read after that change, so good for this one too.
  if (entry === undefined || entry.epoch < feedbackEpoch) {
    const reading: Held = { epoch: feedbackEpoch, keys: hiddenSegments(accountId) };
    entry = reading;
    // A failed read is not kept: the next search reads again.
    reading.keys.catch(() => {
      if (held.get(accountId) === reading) held.delete(accountId);
    });
  }
  held.delete(accountId);
  held.set(accountId, entry);
  if (held.size > MAX_ACCOUNTS) {
    const oldest = held.keys().next().value;
    if (oldest !== undefined) held.delete(oldest);
  }
  return entry.keys;
}
