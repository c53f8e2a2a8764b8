/**
 * Word error rate: (substitutions + deletions + insertions) / words in the reference, the
 * Levenshtein distance over words. Case and punctuation are ignored (a recogniser prints neither),
 * apostrophes inside words kept ("don't" stays one word). An empty reference scores 0 against an
 * empty hypothesis and 1 against any other (every word inserted counts as wrong).
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const expected = words(reference);
  const heard = words(hypothesis);
  if (expected.length === 0) return heard.length === 0 ? 0 : 1;
  return editDistance(expected, heard) / expected.length;
}

export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Levenshtein distance between two sequences (words, or a string's characters); two rows of the table are enough. */
export function editDistance<T>(from: readonly T[], to: readonly T[]): number {
  let previous = Array.from({ length: to.length + 1 }, (_, index) => index);
  for (let row = 1; row <= from.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= to.length; column += 1) {
      const substitution = (previous[column - 1] ?? 0) + (from[row - 1] === to[column - 1] ? 0 : 1);
      const deletion = (previous[column] ?? 0) + 1;
      const insertion = (current[column - 1] ?? 0) + 1;
      current.push(Math.min(substitution, deletion, insertion));
    }
    previous = current;
  }
  return previous[to.length] ?? 0;
}
