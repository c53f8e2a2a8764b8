import { BooleanQuery, type FtsOptions, type FullTextQuery, Index, MatchQuery, Occur, Operator } from '@lancedb/lancedb';

/**
 * Full-text matching in two stages, both inside LanceDB (measured on 0.31.0, lance 8.0.0). The
 * text is stored three times, once per full-text index (a column holds one index):
 *
 * - `text`: words stemmed (English), stop words dropped, lower case, ASCII folding.
 * - `words`: the same without stemming — LanceDB's fuzzy matching compares the query word as
 *   typed with the indexed terms, so against stems it misses most typos of inflected words
 *   (`amtosphere` is 3 edits from the stem `atmospher`; measured: 129 of 200 typos missed on
 *   stems, 0 of 200 on whole words).
 * - `grams`: trigrams of the text.
 *
 * No index stores positions, so there are no phrase queries: `optimize()` of a positional index
 * fails in lance 8.0.0 ("Error decoding batch: Max offset … exceeds length of values", measured
 * after a few merge-inserts into an 80 000-row table), and indexes must be kept up to date.
 *
 * 1. Word stage: the query's words exactly against `text` (BM25), and each word again fuzzily
 *    against `words`: one typo for 3–5 letters, two from 6 letters on (Elasticsearch's AUTO).
 *    Two edits on a five-letter word reach unrelated words (`heart` matched `heavy`, counting
 *    a video as a match), one edit does not. LanceDB counts a swapped pair (`brvae`) as two
 *    Levenshtein edits, so a short word's swapped spellings are also looked up as they are —
 *    a swap is one typo, as in Damerau's distance. Clauses are SHOULD, so scores add up: a row
 *    with the exact words outranks one that only matched a typo.
 * 2. Only when stage 1 finds nothing: `grams`, each word's trigrams required — partial words
 *    (`transcr`, `elep`) too far from any whole word for fuzzy matching. Its hits are kept only
 *    if every such word occurs in the text, because over rows not yet indexed LanceDB searches
 *    flat and does not enforce the AND (measured: `hippo` then also matched `hip hop`).
 *
 * Fuzzy clauses only see indexed rows; exact words and trigrams also match rows written since.
 */
export const WORD_INDEX: Partial<FtsOptions> = {
  baseTokenizer: 'simple',
  language: 'English',
  stem: true,
  removeStopWords: true,
  lowercase: true,
  asciiFolding: true,
  withPosition: false,
};

export const SPELLING_INDEX: Partial<FtsOptions> = { ...WORD_INDEX, stem: false };

export const GRAM_INDEX: Partial<FtsOptions> = {
  baseTokenizer: 'ngram',
  ngramMinLength: 3,
  ngramMaxLength: 3,
  prefixOnly: false,
  lowercase: true,
  asciiFolding: true,
  withPosition: false,
};

/** A query of up to 1000 characters: enough words for any sentence, few enough to stay fast. */
const MAX_TERMS = 24;
/** Fuzzy candidates per word; more only adds rare near-spellings at the cost of latency. */
const MAX_EXPANSIONS = 20;
/** Typos seldom hit the first letter, and fixing it shrinks the fuzzy search a lot. */
const FUZZY_PREFIX = 1;
/** The n-gram index's gram size: shorter words cannot be looked up in it. */
const GRAM_LENGTH = 3;

/** Lower case, compatibility forms unified, accents dropped (as the indexes' ASCII folding does). */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The query's words (letters and digits), folded, de-duplicated, in order. */
export function queryTerms(query: string): string[] {
  const words = fold(query).split(/[^\p{L}\p{N}]+/u);
  return [...new Set(words.filter((word) => word.length > 0))].slice(0, MAX_TERMS);
}

/** Edits a word may be away from what was said: none for 1–2 letters, one for 3–5, two from 6 on. */
export function fuzzinessFor(term: string): number {
  const letters = [...term].length;
  if (letters <= 2) return 0;
  if (letters <= 5) return 1;
  return 2;
}

/**
 * A one-typo word with two neighbouring letters swapped, the first letter kept as in the fuzzy
 * clause: `brvae` → `bvrae`, `brave`, `brvea`. Longer words need none: their two edits cover a swap.
 */
export function swappedSpellings(term: string): string[] {
  const letters = [...term];
  if (fuzzinessFor(term) !== 1) return [];
  const spellings = new Set<string>();
  for (let at = FUZZY_PREFIX; at + 1 < letters.length; at += 1) {
    const swapped = [...letters];
    [swapped[at], swapped[at + 1]] = [letters[at + 1] ?? '', letters[at] ?? ''];
    spellings.add(swapped.join(''));
  }
  spellings.delete(term);
  return [...spellings];
}

/** Stage 1: exact words on the stemmed column, each word fuzzily (and a short one's swaps exactly) on the unstemmed one. */
export function wordQuery(terms: readonly string[], columns: { stemmed: string; unstemmed: string }): FullTextQuery {
  const clauses: [Occur, FullTextQuery][] = [[Occur.Should, new MatchQuery(terms.join(' '), columns.stemmed)]];
  for (const term of terms) {
    const fuzziness = fuzzinessFor(term);
    if (fuzziness > 0) {
      clauses.push([Occur.Should, new MatchQuery(term, columns.unstemmed, { fuzziness, prefixLength: FUZZY_PREFIX, maxExpansions: MAX_EXPANSIONS })]);
    }
    const swaps = swappedSpellings(term);
    if (swaps.length > 0) clauses.push([Occur.Should, new MatchQuery(swaps.join(' '), columns.unstemmed)]);
  }
  return new BooleanQuery(clauses);
}

/** The words stage 2 can look for (long enough to have a trigram). */
export function gramTerms(terms: readonly string[]): string[] {
  return terms.filter((term) => [...term].length >= GRAM_LENGTH);
}

export function gramQuery(terms: readonly string[], column: string): FullTextQuery {
  return new BooleanQuery(terms.map((term) => [Occur.Must, new MatchQuery(term, column, { operator: Operator.And })]));
}

export function containsEvery(text: string, terms: readonly string[]): boolean {
  const folded = fold(text);
  return terms.every((term) => folded.includes(term));
}

export function wordIndex(): Index {
  return Index.fts(WORD_INDEX);
}

export function spellingIndex(): Index {
  return Index.fts(SPELLING_INDEX);
}

export function gramIndex(): Index {
  return Index.fts(GRAM_INDEX);
}
