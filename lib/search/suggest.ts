import { AppError } from '#lib/errors';
import { getCollectionRecord } from '#lib/db/collections';
import { pastQueriesStartingWith } from '#lib/db/search-feedback';
import { normalise } from '#lib/text';
import { searchIndex } from '#lib/search/index';
import { IndexUnavailableError } from '#lib/search/types';

/**
 * POST /v1/search/suggest: completions of what someone is typing, from the account's own past
 * queries and the words said and shown in its videos. Not metered.
 */
export interface Suggestion {
  text: string;
  source: 'transcript' | 'ocr' | 'history';
}

const MAX_SUGGESTIONS = 10;
const WORDS_AFTER_MATCH = 4;

export async function suggest(accountId: string, prefix: string, collectionId?: string): Promise<Suggestion[]> {
  if (collectionId) {
    const collection = await getCollectionRecord(accountId, collectionId);
    if (!collection || collection.status === 'deleting') throw new AppError('COLLECTION_NOT_FOUND');
  }
  const typed = normalise(prefix);
  if (!typed) return [];
  const scope = { accountId, ...(collectionId ? { collectionId } : {}) };
  const [history, spoken, shown] = await Promise.all([
    pastQueriesStartingWith(accountId, typed, MAX_SUGGESTIONS),
    completionsFrom('transcript', scope, typed),
    completionsFrom('ocr', scope, typed),
  ]);
  const seen = new Set<string>();
  const suggestions: Suggestion[] = [];
  for (const candidate of [
    ...history.map((item) => ({ text: item.text, source: 'history' as const })),
    ...spoken.map((text) => ({ text, source: 'transcript' as const })),
    ...shown.map((text) => ({ text, source: 'ocr' as const })),
  ]) {
    const key = normalise(candidate.text);
    if (seen.has(key) || !key.startsWith(typed)) continue;
    seen.add(key);
    suggestions.push(candidate);
  }
  return suggestions.slice(0, MAX_SUGGESTIONS);
}

/** Phrases of the account's rows that start with what was typed: the matching words and a few after them. */
async function completionsFrom(type: 'transcript' | 'ocr', scope: { accountId: string; collectionId?: string }, typed: string): Promise<string[]> {
  let texts: string[];
  try {
    texts = (await searchIndex().matchText(scope, [type], typed, 50)).map((hit) => hit.row.text);
  } catch (error) {
    // Suggestions are a convenience: without the index, history alone answers.
    if (error instanceof IndexUnavailableError) return [];
    throw error;
  }
  const typedWords = typed.split(' ');
  const completions: string[] = [];
  for (const text of texts) {
    const words = normalise(text).split(' ');
    for (let start = 0; start + typedWords.length <= words.length; start += 1) {
      const matches = typedWords.every((word, offset) =>
        offset === typedWords.length - 1 ? (words[start + offset] ?? '').startsWith(word) : words[start + offset] === word,
      );
      if (matches) {
        completions.push(words.slice(start, start + typedWords.length + WORDS_AFTER_MATCH).join(' '));
        break;
      }
    }
  }
  return completions;
}
