import { CMU_DICTIONARY, readFirstPronunciations } from '#lib/ml/cmu-dictionary';

/**
 * Whether a line read off a frame is text or garbage: OCR over fine detail (fractals, noise, bars)
 * makes lines of confident-looking fragments ("Ea", "iIl ve", "eHmS"). A line stays when at least
 * 60 % of its letters and digits are in plausible tokens: dictionary words (common ones when two
 * letters or fewer; otherwise the CMU dictionary that
 * Debian's `pocketsphinx-en-us` ships: 134 000 words, many names among them), numbers and codes
 * ("1987", "B12", "K9"), and name-like words outside the dictionary (one case pattern, a vowel, no
 * long consonant run: "OKAFOR"). Without the dictionary the check is off: every line stays.
 * Measured in bench/quality-captions.ts (garbage lines on caption-free pictures, captions kept).
 */
export const WORD_LIST_PATH = CMU_DICTIONARY;

/** At least this share of a line's letters and digits must be in plausible tokens. */
const PLAUSIBLE_SHARE = 0.6;
const MAX_CODE_LENGTH = 8;
const MIN_NAME_LENGTH = 5;
/**
 * Two-letter tokens count only when they are common words: the CMU dictionary also holds letter
 * pairs and initialisms ("ee", "ae", "oe"), which OCR makes of stray strokes.
 */
const SHORT_WORDS = new Set(
  'a i ad ah am an as at aw be by do eh go ha he hi if in is it ma me mr ms my no of oh ok on or ox pa so to tv uh um up us we ye yo'.split(' '),
);

const dictionaries = new Map<string, ReadonlySet<string> | undefined>();

/** The dictionary's words in lower case (`word(2)` variants folded), read once per path; undefined when absent. */
export function wordList(path = WORD_LIST_PATH): ReadonlySet<string> | undefined {
  if (!dictionaries.has(path)) {
    const pronunciations = readFirstPronunciations(path);
    const words = pronunciations ? new Set(pronunciations.keys()) : undefined;
    dictionaries.set(path, words);
  }
  return dictionaries.get(path);
}

export function isPlausibleLine(line: string, words: ReadonlySet<string> | undefined): boolean {
  if (!words) return true;
  let plausible = 0;
  let total = 0;
  for (const raw of line.split(/\s+/)) {
    const token = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    const length = token.replace(/[^\p{L}\p{N}]/gu, '').length;
    total += length;
    if (length > 0 && isPlausibleToken(token, words)) plausible += length;
  }
  return total > 0 && plausible >= total * PLAUSIBLE_SHARE;
}

function isPlausibleToken(token: string, words: ReadonlySet<string>): boolean {
  const lower = token.toLowerCase();
  if (/\d/.test(token)) return token.length <= MAX_CODE_LENGTH && /^[\p{L}\d]*\d[\p{L}\d]*$/u.test(token.replace(/[.,:/-]/g, ''));
  if (token.length <= 2) return SHORT_WORDS.has(lower);
  if (!/^[\p{L}'’-]+$/u.test(token)) return false;
  const caseShape = token === token.toUpperCase() || token === lower || token === token[0] + token.slice(1).toLowerCase();
  if (!caseShape) return false;
  if (words.has(lower) || lower.split(/['’-]/).every((part) => words.has(part))) return true;
  return token.length >= MIN_NAME_LENGTH && /[aeiouy]/.test(lower) && !/[^aeiouy'’-]{5}/.test(lower) && !/(.)\1\1/.test(lower);
}
