import { stem } from 'porter2';
import { analysedWords, fold, fuzzinessFor, gramTerms, queryTerms, STOP_WORDS, swappedSpellings } from '#lib/search/lance-text-query';
import { phoneticKey } from '#lib/search/phonetic';
import type { Scope, SegmentHit, TextSegmentRow } from '#lib/search/types';

/**
 * Full-text matching of one account's transcript and on-screen text, in memory. It answers what
 * LanceDB's full-text indexes answer (lib/search/lance-text-query.ts), with the same analysis and
 * the same two stages, without LanceDB's per-query cost: on a 100-hour library its boolean query
 * (exact words plus a fuzzy clause per word) took 14–29 ms per mode, ~7–10 ms of it the boolean
 * combination itself and ~4 ms the account/type prefilter; bench/search-http.ts times both side by
 * side. The rows come from the index (SearchIndex.textRows); lib/search/account-text.ts keeps one
 * of these per account and builds it again when the account's index changes.
 *
 * - Analysis, as the indexes' (simple tokenizer, lower case, ASCII folding, English stop words):
 *   `stems` (Porter2, the Snowball English stemmer the `text` index uses) for exact words;
 *   `words` unstemmed, for typos.
 * - Word stage, one score per row, clauses adding up as SHOULD clauses do: BM25 of the query's
 *   stems; for each word the account never said as typed, BM25 of up to MAX_EXPANSIONS indexed
 *   words within its edit distance (one typo for 3–5 letters, two from 6, first letter fixed),
 *   nearest first; a short word's swapped spellings looked up exactly.
 * - Sounds (lib/search/phonetic.ts): a word the recogniser misheard as a similar-sounding one, or
 *   as two (`kettle` → `catch all`), is still found. Each transcript row's words and each pair of
 *   short neighbouring words have a sound-alike key from the CMU dictionary (computed here from the text,
 *   so rows indexed before have them too); a query word that no row has as heard (its stem is in no
 *   row) scores, at PHONETIC_WEIGHT of BM25, the rows holding a key within one phone of its key
 *   (none for keys of up to three phones, first phone fixed), up to MAX_EXPANSIONS keys, nearest
 *   first. On-screen text has none: it is misread by shape. bench/quality-speech.ts measures it.
 * - Only when that finds nothing: rows containing every partial word (≥ 3 letters) as typed,
 *   scored by how rare each is.
 *
 * Statistics (document frequencies, lengths) are the account's own, so no tenant's text shapes
 * another's scores.
 */
type TextRow = TextSegmentRow;

interface Scored {
  /** The query's terms as the indexes analyse them. */
  terms: readonly string[];
  scores: Float64Array;
  touched: number[];
  /** The partial-word stage's rows and scores, found once per match when a type needs them. */
  partial?: { candidates: number[]; scores: Float64Array };
}

const MAX_EXPANSIONS = 20;
const FUZZY_PREFIX = 1;
const K1 = 1.2;
/** A sound-alike's share of an exact word's BM25: spelling wins when both are there. */
const PHONETIC_WEIGHT = 0.5;
/**
 * Pairs of neighbouring words get a key only when both are this short (phones): a misheard word
 * comes back as short words (`catch all`, `man did`), and every pair would more than double the
 * matcher's memory (84 000 rows of 12 words: +160 % heap with all pairs, +35 % with these).
 */
const PAIR_MAX_PHONES = 4;
/** Keys this long (phones) may be one phone off; shorter ones must be equal. */
const PHONETIC_FUZZY_FROM = 4;
const B = 0.75;

/**
 * A row's sound keys: each analysed word's, and each pair of short neighbouring words' (stop words
 * included: `in the` may be half of what a word became). Words without a key add none. Exported for
 * an index that stores them beside the text (a full-text column of these keys).
 */
export function soundTerms(folded: string): string[] {
  const spoken = folded.split(/[^\p{L}\p{N}']+/u).filter((word) => word.length > 0);
  const keys = spoken.map((word) => phoneticKey(word));
  const terms: string[] = [];
  keys.forEach((key, index) => {
    const word = spoken[index] ?? '';
    if (key && !STOP_WORDS.has(word)) terms.push(key);
    const next = keys[index + 1];
    if (key && next && key.length <= PAIR_MAX_PHONES && next.length <= PAIR_MAX_PHONES) terms.push(key + next);
  });
  return terms;
}

/** `into` gets each term under its first `prefix` letters. */
function groupByFirst(terms: Iterable<string>, prefix: number, into: Map<string, string[]>): void {
  for (const term of terms) {
    const first = term.slice(0, prefix);
    const group = into.get(first);
    if (group) group.push(term);
    else into.set(first, [term]);
  }
}

/** One term's rows (ascending) and how often it occurs in each. */
interface Posting {
  rows: Int32Array;
  counts: Uint32Array;
}

/** One field's inverted index: rows (by position) and term frequencies per term, and each row's length norm. */
class Field {
  readonly postings = new Map<string, Posting>();
  /** BM25's length normalisation per row, k1 · (1 − b + b · length / average length). */
  private readonly norms: Float64Array;

  constructor(rowsTerms: readonly string[][]) {
    const building = new Map<string, { rows: number[]; counts: number[] }>();
    let total = 0;
    rowsTerms.forEach((terms, row) => {
      total += terms.length;
      for (const term of terms) {
        const posting = building.get(term);
        if (!posting) {
          building.set(term, { rows: [row], counts: [1] });
        } else if (posting.rows[posting.rows.length - 1] === row) {
          // Rows are added in order: a repeat within this row is its last entry.
          posting.counts[posting.counts.length - 1] = (posting.counts[posting.counts.length - 1] ?? 0) + 1;
        } else {
          posting.rows.push(row);
          posting.counts.push(1);
        }
      }
    });
    for (const [term, { rows, counts }] of building) this.postings.set(term, { rows: Int32Array.from(rows), counts: Uint32Array.from(counts) });
    const averageLength = rowsTerms.length > 0 ? Math.max(1, total / rowsTerms.length) : 1;
    this.norms = Float64Array.from(rowsTerms, (terms) => K1 * (1 - B + (B * terms.length) / averageLength));
  }

  /** Adds the term's BM25 (times `weight`) to the score of every row it occurs in. */
  score(term: string, scored: Scored, weight = 1): void {
    const posting = this.postings.get(term);
    if (!posting) return;
    const { rows, counts } = posting;
    const { scores, touched } = scored;
    const idf = weight * Math.log(1 + (this.norms.length - rows.length + 0.5) / (rows.length + 0.5));
    for (let at = 0; at < rows.length; at += 1) {
      const row = rows[at] ?? 0;
      const count = counts[at] ?? 0;
      if (scores[row] === 0) touched.push(row);
      scores[row] = (scores[row] ?? 0) + (idf * count * (K1 + 1)) / (count + (this.norms[row] ?? K1));
    }
  }
}

/** The `limit` best of `candidates` by score (ties: earlier row first), best first, with a bounded heap. */
function topRows(candidates: readonly number[], scores: Float64Array, limit: number): number[] {
  const better = (a: number, b: number) => (scores[a] ?? 0) > (scores[b] ?? 0) || ((scores[a] ?? 0) === (scores[b] ?? 0) && a < b);
  // A min-heap on "better": its root is the worst row kept so far.
  const heap: number[] = [];
  const swap = (i: number, j: number) => {
    const held = heap[i] ?? 0;
    heap[i] = heap[j] ?? 0;
    heap[j] = held;
  };
  const siftDown = (from: number) => {
    for (let at = from; ;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let worst = at;
      if (left < heap.length && better(heap[worst] ?? 0, heap[left] ?? 0)) worst = left;
      if (right < heap.length && better(heap[worst] ?? 0, heap[right] ?? 0)) worst = right;
      if (worst === at) return;
      swap(at, worst);
      at = worst;
    }
  };
  for (const row of candidates) {
    if (heap.length < limit) {
      heap.push(row);
      for (let at = heap.length - 1; at > 0;) {
        const parent = (at - 1) >> 1;
        if (!better(heap[parent] ?? 0, heap[at] ?? 0)) break;
        swap(at, parent);
        at = parent;
      }
    } else if (limit > 0 && better(row, heap[0] ?? 0)) {
      heap[0] = row;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}

/** Levenshtein distance of `a` and `b`, or `limit + 1` as soon as it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

/** Numbers for the distinct values of a column, so that scope checks compare integers. */
class Codes {
  private readonly byValue = new Map<string, number>();

  codeOf(value: string): number {
    let code = this.byValue.get(value);
    if (code === undefined) this.byValue.set(value, (code = this.byValue.size));
    return code;
  }

  /** The code of a value seen at build time, or −1 (which no row has). */
  find(value: string): number {
    return this.byValue.get(value) ?? -1;
  }
}

const TYPE_CODES: Record<TextRow['type'], number> = { transcript: 1, ocr: 2 };

/** A scope and types as codes: −1 for a value no row has, `undefined` for no filter. */
interface CodedScope {
  account: number;
  collection: number | undefined;
  video: number | undefined;
  /** Bit per type (TYPE_CODES). */
  types: number;
}

export class TextMatcher {
  private readonly stems: Field;
  private readonly words: Field;
  /** Sound-alike keys of each row's words and of each pair of neighbouring words. */
  private readonly sounds: Field;
  /** Indexed words by their first letter (the fuzzy prefix), for typo look-ups. */
  private readonly vocabulary = new Map<string, string[]>();
  /** Indexed sound keys by their first phone, for sound-alike look-ups. */
  private readonly soundVocabulary = new Map<string, string[]>();
  private readonly folded: string[];
  private readonly accounts = new Codes();
  private readonly collections = new Codes();
  private readonly videos = new Codes();
  private readonly accountOf: Int32Array;
  private readonly collectionOf: Int32Array;
  private readonly videoOf: Int32Array;
  private readonly typeOf: Uint8Array;
  /**
   * The word stage's scores, one per row, reused by every match (matching is synchronous, so one
   * at a time): only the rows a match touched are set back to 0. A fresh 84 000-row array per
   * search was ~0.7 MB of garbage each.
   */
  private readonly wordScores: Float64Array;

  /** `phonetic: false` matches by spelling alone (bench/quality-speech.ts measures both). */
  constructor(
    readonly rows: readonly TextRow[],
    options: { phonetic?: boolean } = {},
  ) {
    this.accountOf = Int32Array.from(rows, (row) => this.accounts.codeOf(row.account_id));
    this.collectionOf = Int32Array.from(rows, (row) => this.collections.codeOf(row.collection_id));
    this.videoOf = Int32Array.from(rows, (row) => this.videos.codeOf(row.video_id));
    this.typeOf = Uint8Array.from(rows, (row) => TYPE_CODES[row.type]);
    this.wordScores = new Float64Array(rows.length);
    this.folded = rows.map((row) => fold(row.text));
    const words = this.folded.map(analysedWords);
    this.words = new Field(words);
    // Speech repeats a small vocabulary: each distinct word is stemmed once.
    const stems = new Map<string, string>();
    const stemOf = (word: string) => {
      let stemmed = stems.get(word);
      if (stemmed === undefined) stems.set(word, (stemmed = stem(word)));
      return stemmed;
    };
    this.stems = new Field(words.map((terms) => terms.map(stemOf)));
    // Transcripts only: on-screen text is misread by shape, not by sound.
    this.sounds = new Field(options.phonetic === false ? [] : this.folded.map((text, row) => (rows[row]?.type === 'transcript' ? soundTerms(text) : [])));
    groupByFirst(this.words.postings.keys(), FUZZY_PREFIX, this.vocabulary);
    groupByFirst(this.sounds.postings.keys(), 1, this.soundVocabulary);
  }

  /** The best `limit` rows of `types` inside `scope` for `query`, best first. */
  match(scope: Scope, types: readonly TextRow['type'][], query: string, limit: number): SegmentHit[] {
    return this.withWordScores(query, (scored) => this.stagesFor(this.coded(scope, types), limit, scored));
  }

  /** `match` for each type on its own (a list per type, as separate modes), the words scored once for all. */
  matchEach<T extends TextRow['type']>(scope: Scope, types: readonly T[], query: string, limit: number): Map<T, SegmentHit[]> {
    return this.withWordScores(query, (scored) => new Map(types.map((type) => [type, this.stagesFor(this.coded(scope, [type]), limit, scored)])));
  }

  /** The word stage scored into `wordScores` for `use`, then cleared again. */
  private withWordScores<T>(query: string, use: (scored: Scored) => T): T {
    const scored = this.scoreWords(queryTerms(query));
    try {
      return use(scored);
    } finally {
      for (const row of scored.touched) scored.scores[row] = 0;
    }
  }

  private coded(scope: Scope, types: readonly TextRow['type'][]): CodedScope {
    return {
      account: this.accounts.find(scope.accountId),
      collection: scope.collectionId === undefined ? undefined : this.collections.find(scope.collectionId),
      video: scope.videoId === undefined ? undefined : this.videos.find(scope.videoId),
      types: types.reduce((bits, type) => bits | TYPE_CODES[type], 0),
    };
  }

  private inScope(row: number, scope: CodedScope): boolean {
    return (
      this.accountOf[row] === scope.account &&
      ((this.typeOf[row] ?? 0) & scope.types) !== 0 &&
      (scope.collection === undefined || this.collectionOf[row] === scope.collection) &&
      (scope.video === undefined || this.videoOf[row] === scope.video)
    );
  }

  private stagesFor(scope: CodedScope, limit: number, scored: Scored): SegmentHit[] {
    const { terms, scores, touched } = scored;
    if (limit <= 0 || scope.types === 0 || terms.length === 0) return [];
    const words = this.best(touched, scores, scope, limit);
    const partial = gramTerms(terms);
    if (words.length > 0 || partial.length === 0) return words;
    // Every type of one match shares the scan of the texts (matchEach asks once per type).
    scored.partial ??= this.partialStage(partial);
    return this.best(scored.partial.candidates, scored.partial.scores, scope, limit);
  }

  /** Word stage: every row's score, and the rows that have one. */
  private scoreWords(terms: readonly string[]): Scored {
    const scored: Scored = { terms, scores: this.wordScores, touched: [] };
    const analysed = terms.filter((term) => !STOP_WORDS.has(term));
    for (const term of new Set(analysed.map((word) => stem(word)))) this.stems.score(term, scored);
    for (const term of analysed) {
      // As the index does (lance-text-query.ts): near spellings only for a word not found as typed.
      if (this.stems.postings.has(stem(term))) continue;
      const fuzziness = fuzzinessFor(term);
      if (fuzziness > 0) for (const near of this.nearWords(term, fuzziness)) this.words.score(near, scored);
      for (const swapped of swappedSpellings(term)) this.words.score(swapped, scored);
      // Only a word no transcript or caption has as heard: one that was heard right keeps its ranking.
      if (!this.stems.postings.has(stem(term))) for (const near of this.nearSounds(term)) this.sounds.score(near, scored, PHONETIC_WEIGHT);
    }
    return scored;
  }

  /** Indexed sound keys within a phone of `term`'s key (equal for short keys), first phone fixed, nearest first. */
  private nearSounds(term: string): string[] {
    const key = phoneticKey(term);
    if (!key) return [];
    const limit = key.length >= PHONETIC_FUZZY_FROM ? 1 : 0;
    const near: Array<[distance: number, key: string]> = [];
    for (const indexed of this.soundVocabulary.get(key.slice(0, 1)) ?? []) {
      const distance = editDistance(key.slice(1), indexed.slice(1), limit);
      if (distance <= limit) near.push([distance, indexed]);
    }
    near.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return near.slice(0, MAX_EXPANSIONS).map(([, indexed]) => indexed);
  }

  /** Indexed words within `fuzziness` edits of `term` with its first letter, nearest first, at most MAX_EXPANSIONS. */
  private nearWords(term: string, fuzziness: number): string[] {
    const near: Array<[distance: number, word: string]> = [];
    for (const word of this.vocabulary.get(term.slice(0, FUZZY_PREFIX)) ?? []) {
      const distance = editDistance(term.slice(FUZZY_PREFIX), word.slice(FUZZY_PREFIX), fuzziness);
      if (distance <= fuzziness) near.push([distance, word]);
    }
    near.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return near.slice(0, MAX_EXPANSIONS).map(([, word]) => word);
  }

  /** Partial-word stage: the rows whose text contains every partial term, all scored alike (their BM25-like weight). */
  private partialStage(partial: readonly string[]): { candidates: number[]; scores: Float64Array } {
    const containing = partial.map(() => 0);
    const candidates: number[] = [];
    this.folded.forEach((text, row) => {
      let every = true;
      partial.forEach((term, index) => {
        if (text.includes(term)) containing[index] = (containing[index] ?? 0) + 1;
        else every = false;
      });
      if (every) candidates.push(row);
    });
    const weight = containing.reduce((sum, count) => sum + Math.log(1 + (this.rows.length - count + 0.5) / (count + 0.5)), 0);
    const scores = new Float64Array(this.rows.length);
    for (const row of candidates) scores[row] = weight;
    return { candidates, scores };
  }

  private best(candidates: readonly number[], scores: Float64Array, scope: CodedScope, limit: number): SegmentHit[] {
    const kept = candidates.filter((row) => this.inScope(row, scope));
    return topRows(kept, scores, limit).flatMap((position) => {
      const row = this.rows[position];
      return row ? [{ row: { ...row, words_json: '', embedder: '' }, raw_score: scores[position] ?? 0 }] : [];
    });
  }
}
