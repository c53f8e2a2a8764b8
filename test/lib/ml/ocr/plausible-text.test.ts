import { describe, expect, it } from 'vitest';
import { isPlausibleLine, wordList } from '#lib/ml/ocr/plausible-text';

/** The CMU dictionary from Debian's pocketsphinx-en-us (installed by bin/setup, like the speech engine). */
const words = wordList();

describe('isPlausibleLine', () => {
  it('keeps captions of dictionary words, numbers, codes and names', () => {
    const captions = [
      'VELVET ANCHOR HARVEST',
      'MAPLE 1987 HOLLOW',
      'K9 HOLLOW',
      '42 CEDAR',
      'B12',
      'OKAFOR SUMMIT',
      'Alice Moreno, marine biologist',
      'Sale ends 12/24',
    ];

    expect(captions.filter((line) => !isPlausibleLine(line, words))).toEqual([]);
  });

  it('drops fragments OCR makes of fine detail: mixed case, letter pairs, consonant runs', () => {
    const garbage = ['eHmS', 'Ea', 'iIl ve', 'ae oe', 'JQXZ', 'Mordiiismagsetatseeoiologist'];

    expect(garbage.filter((line) => isPlausibleLine(line, words))).toEqual([]);
  });

  it('keeps a caption one of whose words was misread, when most of it reads as words', () => {
    expect(isPlausibleLine('Ea CATALOGUE', words)).toBe(true);
  });

  it('keeps every line when no word list is installed', () => {
    expect(isPlausibleLine('eHmS', wordList('/nonexistent/words.dict'))).toBe(true);
  });
});
