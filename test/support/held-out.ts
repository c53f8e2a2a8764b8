import type { CaptionStyle, TalkingScene } from '#test/support/talking-media';

/**
 * Held-out material for measuring quality (bench/quality.ts): sentences and captions made from a
 * seeded generator over a vocabulary that no test, bench list or tuning ever used, so settings
 * chosen elsewhere are judged on words they were not picked on. Different lengths, numbers and
 * names; the same seed always gives the same set.
 */

const NAMES = ['margaret', 'oliver', 'victor', 'rachel', 'daniel', 'helen', 'thomas', 'laura', 'edward', 'susan'];
const NOUNS = [
  'violin',
  'anvil',
  'blanket',
  'ladder',
  'cabinet',
  'satchel',
  'telescope',
  'carpet',
  'pitcher',
  'helmet',
  'tractor',
  'saddle',
  'kettle',
  'notebook',
  'umbrella',
  'wagon',
  'trumpet',
  'basket',
  'lute',
  'compass',
];
const ADJECTIVES = ['narrow', 'ancient', 'cheerful', 'shiny', 'dusty', 'gentle', 'crooked', 'sturdy', 'humble', 'polite', 'curious', 'famous'];
const VERBS = ['repaired', 'painted', 'carried', 'cleaned', 'sketched', 'borrowed', 'ordered', 'mended', 'sanded', 'polished', 'wrapped', 'collected'];
const PLACES = ['greenhouse', 'garage', 'station', 'bakery', 'hospital', 'village', 'stadium', 'chapel', 'harvest fair', 'ferry dock'];
const NUMBERS = ['seventeen', 'forty', 'thirteen', 'three hundred', 'ninety', 'eleven', 'sixty five', 'two thousand'];
const TIMES = ['on tuesday', 'after lunch', 'before the frost', 'in october', 'at half past nine', 'every saturday'];

const CAPTION_WORDS = [
  'SCARLET',
  'VELVET',
  'MARBLE',
  'CANYON',
  'ORBIT',
  'HOLLOW',
  'FALCON',
  'CEDAR',
  'COBALT',
  'ANCHOR',
  'PRAIRIE',
  'SUMMIT',
  'GRANITE',
  'LAGOON',
  'EMBER',
  'THUNDER',
  'CRYSTAL',
  'TIMBER',
  'BEACON',
  'QUARTZ',
  'MAPLE',
  'HARVEST',
  // Numbers, codes and names a dictionary does not hold: what a garbage filter must keep.
  'B12',
  'K9',
  '1987',
  '42',
  'NAKAMURA',
  'KOWALSKI',
  'OKAFOR',
];

const TEMPLATES: ((pick: <T>(list: readonly T[]) => T) => string)[] = [
  (pick) => `${pick(NAMES)} ${pick(VERBS)} the ${pick(ADJECTIVES)} ${pick(NOUNS)}`,
  (pick) => `${pick(NAMES)} ${pick(VERBS)} ${pick(NUMBERS)} ${pick(NOUNS)}s near the ${pick(PLACES)} ${pick(TIMES)}`,
  (pick) => `the ${pick(ADJECTIVES)} ${pick(NOUNS)} stayed in the ${pick(PLACES)} ${pick(TIMES)}`,
  (pick) =>
    `${pick(NAMES)} and ${pick(NAMES)} ${pick(VERBS)} a ${pick(ADJECTIVES)} ${pick(NOUNS)} and a ${pick(NOUNS)} ` +
    `for the ${pick(PLACES)}, then they ${pick(VERBS)} ${pick(NUMBERS)} more`,
];

/**
 * Caption looks the indexer must read: light on dark and dark on light, no box, coloured text on coloured
 * backgrounds, small (1/25 of 720 lines: 28 px) and large titles, top, middle and lower third, two lines.
 */
const CAPTION_LOOKS: { source: string; style: CaptionStyle }[] = [
  { source: 'color=c=navy', style: { colour: 'white' } },
  { source: 'color=c=darkblue', style: { colour: 'yellow', place: 'top', heightShare: 1 / 8 } },
  { source: 'color=c=beige', style: { colour: 'black' } },
  { source: 'color=c=wheat', style: { colour: 'darkred', place: 'middle', heightShare: 1 / 10 } },
  { source: 'color=c=dimgray', style: { colour: 'white', place: 'lower-third', heightShare: 1 / 25 } },
  { source: 'color=c=teal', style: { colour: 'white', place: 'top', heightShare: 1 / 6 } },
  { source: 'testsrc2', style: { colour: 'white', box: 'black@0.7', place: 'lower-third', heightShare: 1 / 14 } },
  { source: 'color=c=lightyellow', style: { colour: 'navy', place: 'lower-third', heightShare: 1 / 16 } },
  { source: 'color=c=darkgreen', style: { colour: 'orange', place: 'middle', heightShare: 1 / 12, lines: 2 } },
  { source: 'color=c=maroon', style: { colour: 'cyan', place: 'lower-third', heightShare: 1 / 25 } },
  { source: 'color=c=purple', style: { colour: 'gold', place: 'top', heightShare: 1 / 10, lines: 2 } },
  { source: 'color=c=lightpink', style: { colour: 'darkgreen', place: 'lower-third', heightShare: 1 / 25, lines: 2 } },
];

/** Mulberry32: a small seeded generator (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function picker(random: () => number): <T>(list: readonly T[]) => T {
  return (list) => {
    const item = list[Math.floor(random() * list.length)];
    if (item === undefined) throw new Error('empty list');
    return item;
  };
}

/** `count` distinct held-out sentences (lower-case words and commas), short and long. */
export function heldOutSentences(seed: number, count: number): string[] {
  const pick = picker(seededRandom(seed));
  const sentences = new Set<string>();
  for (let attempt = 0; sentences.size < count && attempt < count * 50; attempt += 1)
    sentences.add((TEMPLATES[sentences.size % TEMPLATES.length] ?? TEMPLATES[0])?.(pick) ?? '');
  return [...sentences];
}

/**
 * Scenes of a held-out video: a sentence each, a two- or three-word caption that appears and leaves mid-scene in
 * one of the looks (in turn); every third scene's caption is replaced by another mid-scene, with no scene change.
 */
export function heldOutScenes(seed: number, count: number, sceneSecs: number): TalkingScene[] {
  const random = seededRandom(seed + 1);
  const pick = picker(random);
  const sentences = heldOutSentences(seed, count);
  const used = new Set<string>();
  // No two captions share their set of words: "COBALT BEACON" and "BEACON COBALT" answer the same words equally.
  const newCaption = (): string => {
    let caption = '';
    const key = (text: string) => [...text.split(' ')].sort().join(' ');
    while (!caption || used.has(key(caption))) {
      const words = new Set([pick(CAPTION_WORDS), pick(CAPTION_WORDS), ...(random() < 0.5 ? [pick(CAPTION_WORDS)] : [])]);
      caption = [...words].join(' ');
    }
    used.add(key(caption));
    return caption;
  };
  return sentences.map((text, index) => {
    const caption = newCaption();
    const look = CAPTION_LOOKS[index % CAPTION_LOOKS.length] ?? CAPTION_LOOKS[0];
    if (!look) throw new Error('no caption looks');
    // Appears 1–4 s into the scene (between samples, with no scene change), leaves 0.5–1.5 s before its end.
    const from = Math.round((1 + 3 * random()) * 10) / 10;
    const to = Math.round((sceneSecs - 0.5 - random()) * 10) / 10;
    if (index % 3 !== 2) return { text, caption, source: look.source, captionSecs: [from, to], captionStyle: look.style };
    // Changes part-way: the first caption from 1–2 s to the middle, the next from just after it.
    const first: [number, number] = [Math.round((1 + random()) * 10) / 10, Math.round((sceneSecs / 2 - 0.3) * 10) / 10];
    const next: [number, number] = [Math.round((sceneSecs / 2 + 0.2) * 10) / 10, to];
    return { text, caption, source: look.source, captionSecs: first, captionStyle: look.style, nextCaption: { caption: newCaption(), captionSecs: next } };
  });
}
