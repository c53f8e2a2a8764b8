import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { POCKETSPHINX_MODEL_DIR } from '#lib/ml/speech/pocketsphinx';

/**
 * The CMU pronouncing dictionary that Debian's `pocketsphinx-en-us` ships (the recogniser's own
 * lexicon: 134 000 lower-case words, many names among them). The OCR word check reads its words and
 * search's sound-alike keys its pronunciations; each keeps what it derives, so this reads the file only.
 */
export const CMU_DICTIONARY = join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict');

/** Each word's first pronunciation (`word(2)` alternates skipped) as `K EH T AH L`; undefined when the file cannot be read. */
export function readFirstPronunciations(path = CMU_DICTIONARY): Map<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pronunciations = new Map<string, string>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const word = line.slice(0, space);
    if (word.endsWith(')') || pronunciations.has(word)) continue;
    pronunciations.set(word, line.slice(space + 1));
  }
  return pronunciations;
}
