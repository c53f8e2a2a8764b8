import { CMU_DICTIONARY, readFirstPronunciations } from '#lib/ml/cmu-dictionary';

/**
 * Sound-alike keys for words, from the CMU pronouncing dictionary that Debian's `pocketsphinx-en-us`
 * ships (the recogniser's own lexicon, so every word it can hear has a key). A key is one letter per
 * phone of the word's first pronunciation, stress dropped and phones a recogniser confuses merged
 * into one class: voiced and voiceless pairs (t/d, p/b, k/g, s/z, f/v, th/dh, ch/jh, sh/zh), the
 * nasals, and the vowels into five. `kettle` (K EH T AH L) and `catch all` (K AE CH + AO L) are one
 * phone apart; `lute` and `loot` share a key.
 *
 * Without the dictionary (PocketSphinx not installed) every word has no key and matching is by
 * spelling alone.
 */

const PHONE_CLASSES: Record<string, string> = {
  AA: 'a',
  AH: 'a',
  AO: 'a',
  AW: 'a',
  AY: 'a',
  AE: 'e',
  EH: 'e',
  EY: 'i',
  IH: 'i',
  IY: 'i',
  OW: 'o',
  OY: 'o',
  UH: 'u',
  UW: 'u',
  ER: 'r',
  R: 'r',
  B: 'p',
  P: 'p',
  D: 't',
  T: 't',
  G: 'k',
  K: 'k',
  S: 's',
  Z: 's',
  F: 'f',
  V: 'f',
  DH: 'h',
  TH: 'h',
  CH: 'c',
  JH: 'c',
  SH: 'c',
  ZH: 'c',
  M: 'n',
  N: 'n',
  NG: 'n',
  L: 'l',
  W: 'w',
  Y: 'y',
  HH: 'x',
};

let dictionary: Map<string, string> | undefined;
let loadedFrom: string | undefined;

/** Word → key for every word of the dictionary at `path` (read once per process, ~0.2 s), empty when it cannot be read. */
function keysFrom(path: string): Map<string, string> {
  if (dictionary && loadedFrom === path) return dictionary;
  const keys = new Map<string, string>();
  for (const [word, phones] of readFirstPronunciations(path) ?? []) keys.set(word, phonesKey(phones));
  dictionary = keys;
  loadedFrom = path;
  return keys;
}

/** `K EH T AH L` → `ketal`. */
export function phonesKey(phones: string): string {
  return phones
    .trim()
    .split(/\s+/)
    .map((phone) => PHONE_CLASSES[phone.replace(/\d$/, '')] ?? '')
    .join('');
}

/** The word's sound-alike key (lower-case word as the index folds it), or undefined when the dictionary has no such word. */
export function phoneticKey(word: string, path = CMU_DICTIONARY): string | undefined {
  const key = keysFrom(path).get(word);
  return key ? key : undefined;
}
