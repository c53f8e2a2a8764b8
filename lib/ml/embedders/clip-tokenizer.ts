import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * CLIP's byte-level BPE tokenizer (openai/CLIP `simple_tokenizer.py`, as exported with a model in
 * `vocab.json` + `merges.txt`): text is cleaned and lowercased, split with CLIP's pattern, each
 * piece's UTF-8 bytes are mapped to printable characters, the piece's last symbol gets `</w>`, and
 * merges are applied lowest rank first. Wrapped in <|startoftext|> … <|endoftext|>, cut and padded
 * to the context length. ftfy's mojibake repair is not reproduced; HTML entities are unescaped.
 */
export const CLIP_CONTEXT_LENGTH = 77;
export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
const END_OF_WORD = '</w>';
const MAX_CACHED_PIECES = 50_000;

const PIECES = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

/** GPT-2's table: every byte gets a printable character, so any text is spelled by vocabulary symbols. */
export function bytesToUnicode(): string[] {
  const printable = new Set<number>();
  for (const [from, to] of [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ] as const) {
    for (let byte = from; byte <= to; byte++) printable.add(byte);
  }
  const table: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) table[byte] = String.fromCodePoint(printable.has(byte) ? byte : 256 + shifted++);
  return table;
}

const BYTE_SYMBOLS = bytesToUnicode();

const HTML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return HTML_ENTITIES[body.toLowerCase()] ?? entity;
  });
}

/** basic_clean + whitespace_clean + lower, as CLIP does (twice unescaped, as html.unescape(html.unescape(…))). */
export function cleanText(text: string): string {
  return unescapeHtml(unescapeHtml(text.normalize('NFC')))
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

export class ClipTokenizer {
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();
  readonly startId: number;
  readonly endId: number;

  constructor(
    private readonly vocabulary: ReadonlyMap<string, number>,
    merges: readonly (readonly [string, string])[],
  ) {
    merges.forEach(([first, second], rank) => this.ranks.set(`${first} ${second}`, rank));
    const startId = vocabulary.get(START_OF_TEXT);
    const endId = vocabulary.get(END_OF_TEXT);
    if (startId === undefined || endId === undefined) throw new Error(`the vocabulary lacks ${START_OF_TEXT} or ${END_OF_TEXT}`);
    this.startId = startId;
    this.endId = endId;
  }

  /** From an export's `vocab.json` (symbol → id) and `merges.txt` (`#version` line, then one `a b` merge a line). */
  static async load(folder: string): Promise<ClipTokenizer> {
    const vocabulary: unknown = JSON.parse(await readFile(join(folder, 'vocab.json'), 'utf8'));
    if (typeof vocabulary !== 'object' || vocabulary === null) throw new Error('vocab.json is not an object of symbol → id');
    const entries = Object.entries(vocabulary).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
    const merges = (await readFile(join(folder, 'merges.txt'), 'utf8'))
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#version'))
      .map((line) => line.trim().split(' '))
      .filter((pair): pair is [string, string] => pair.length === 2);
    return new ClipTokenizer(new Map(entries), merges);
  }

  /** The BPE symbols of a text, without the start/end markers (what CLIP's `encode` looks up). */
  tokenize(text: string): string[] {
    const symbols: string[] = [];
    for (const [piece] of cleanText(text).matchAll(PIECES)) {
      const spelled = Array.from(Buffer.from(piece, 'utf8'), (byte) => BYTE_SYMBOLS[byte] ?? '').join('');
      symbols.push(...this.bpe(spelled));
    }
    return symbols;
  }

  /**
   * Token ids for one text: <|startoftext|>, the text's tokens, <|endoftext|>, zeros after (as
   * clip.tokenize pads). Too long a text keeps its first tokens and still ends with <|endoftext|>.
   */
  encode(text: string, contextLength = CLIP_CONTEXT_LENGTH): number[] {
    // Every byte symbol is in a CLIP vocabulary; a symbol missing from a reduced one is left out.
    const ids = this.tokenize(text).flatMap((symbol) => this.vocabulary.get(symbol) ?? []);
    const tokens = [this.startId, ...ids.slice(0, contextLength - 2), this.endId];
    return [...tokens, ...new Array<number>(contextLength - tokens.length).fill(0)];
  }

  private bpe(piece: string): string[] {
    // The markers, written in a text, stay whole (CLIP seeds its cache with them).
    if (piece === START_OF_TEXT || piece === END_OF_TEXT) return [piece];
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const characters = Array.from(piece);
    let word = [...characters.slice(0, -1), `${characters.at(-1) ?? ''}${END_OF_WORD}`];
    while (word.length > 1) {
      const best = this.lowestRankedPair(word);
      if (!best) break;
      const [first, second] = best;
      const merged: string[] = [];
      for (let index = 0; index < word.length; index++) {
        if (word[index] === first && word[index + 1] === second) {
          merged.push(first + second);
          index++;
        } else {
          merged.push(word[index] ?? '');
        }
      }
      word = merged;
    }
    // Queries on a warm function are open-ended: the cache starts over rather than grow without bound.
    if (this.cache.size >= MAX_CACHED_PIECES) this.cache.clear();
    this.cache.set(piece, word);
    return word;
  }

  private lowestRankedPair(word: readonly string[]): [string, string] | undefined {
    let best: [string, string] | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let index = 0; index < word.length - 1; index++) {
      const first = word[index] ?? '';
      const second = word[index + 1] ?? '';
      const rank = this.ranks.get(`${first} ${second}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = [first, second];
      }
    }
    return best;
  }
}
