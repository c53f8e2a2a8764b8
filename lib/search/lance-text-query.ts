import { BooleanQuery, type FtsOptions, type FullTextQuery, Index, MatchQuery, Occur, Operator } from '@lancedb/lancedb';
import { stem } from 'porter2';

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
 * 1. Word stage: the query's words exactly against `text` (BM25) first. Only the words found in
 *    none of those hits (a typo, or a word the account never said) are then looked up again
 *    fuzzily against `words`, beside the exact words: one typo for 3–5 letters, two from 6
 *    letters on (Elasticsearch's AUTO). A fuzzy clause costs far more than an exact one (1 000-hour
 *    account, 3-word queries: 7 ms exact, 143 ms with a fuzzy clause per word; bench/search-http.ts
 *    `--library-hours`), and a word that matched as typed needs no near spellings.
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

/** Lucene's (and tantivy's) English stop words, which the word indexes drop. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '),
);

/** Words of a folded text as the word indexes see them: split on what is not a letter or digit, stop words out. */
export function analysedWords(folded: string): string[] {
  return folded.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0 && !STOP_WORDS.has(word));
}

/** Stage 1, first: the query's words exactly, on the stemmed column. */
export function exactQuery(terms: readonly string[], column: string): FullTextQuery {
  return new MatchQuery(terms.join(' '), column);
}

/**
 * The query's words that a typo look-up could still find: words of 3 letters or more (or with
 * swapped spellings), not stop words, whose stem occurs in none of `texts` (the exact hits).
 */
export function unmatchedTerms(terms: readonly string[], texts: readonly string[]): string[] {
  const candidates = terms.filter((term) => !STOP_WORDS.has(term) && (fuzzinessFor(term) > 0 || swappedSpellings(term).length > 0));
  if (candidates.length === 0) return [];
  const found = new Set<string>();
  for (const text of texts) for (const word of analysedWords(fold(text))) found.add(stem(word));
  return candidates.filter((term) => !found.has(stem(term)));
}

/**
 * Stage 1, when words went unmatched: exact words on the stemmed column, and each unmatched word
 * fuzzily (and a short one's swaps exactly) on the unstemmed one.
 */
export function wordQuery(terms: readonly string[], columns: { stemmed: string; unstemmed: string }, fuzzyTerms: readonly string[] = terms): FullTextQuery {
  const clauses: [Occur, FullTextQuery][] = [[Occur.Should, exactQuery(terms, columns.stemmed)]];
  for (const term of fuzzyTerms) {
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
