import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesToUnicode, CLIP_CONTEXT_LENGTH, ClipTokenizer, cleanText } from '#lib/ml/embedders/clip-tokenizer';
import { tinyClipVocabulary, writeTinyClip } from '#test/support/tiny-clip';

let tokenizer: ClipTokenizer;
const vocabulary = tinyClipVocabulary();
const id = (symbol: string) => {
  const value = vocabulary.get(symbol);
  if (value === undefined) throw new Error(`${symbol} is not in the tiny vocabulary`);
  return value;
};

beforeAll(async () => {
  const folder = join(await mkdtemp(join(tmpdir(), 'frameseek-tokenizer-')), 'tiny');
  await writeTinyClip(folder);
  tokenizer = await ClipTokenizer.load(folder);
});

describe('bytesToUnicode', () => {
  it("gives every byte its own printable symbol, as GPT-2's and CLIP's table does", () => {
    const table = bytesToUnicode();

    expect(new Set(table).size).toBe(256);
    expect([table[0x21], table[0x61], table[0x7e]]).toEqual(['!', 'a', '~']);
    // Unprintable bytes move past 255 in order: NUL is first, space is the 33rd, newline the 11th.
    expect([table[0x00], table[0x20], table[0x0a]]).toEqual(['Ā', 'Ġ', 'Ċ']);
  });
});

describe('cleanText', () => {
  it('unescapes HTML (twice), collapses whitespace and lowercases', () => {
    expect(cleanText('  A  Red\n\tCar &amp;amp; &lt;b&gt; ')).toBe('a red car & <b>');
  });
});

describe('ClipTokenizer.tokenize', () => {
  it.each([
    ['red', ['red</w>']],
    ['RED', ['red</w>']],
    ['a photo of green', ['a</w>', 'photo</w>', 'of</w>', 'green</w>']],
    // Merges apply lowest rank first, not left to right: `re d` joins, then nothing joins `red` with `d`.
    ['reddish', ['red', 'd', 'i', 's', 'h</w>']],
    // CLIP's pattern: contractions, single digits and runs of punctuation are pieces of their own.
    ["it's", ['i', 't</w>', "'", 's</w>']],
    ['2024', ['2</w>', '0</w>', '2</w>', '4</w>']],
    ['blue!!', ['blue</w>', '!', '!</w>']],
    // Byte-level: é is two UTF-8 bytes, spelled by their symbols.
    ['é', ['Ã', '©</w>']],
    ['  Red&amp;Blue \n', ['red</w>', '&</w>', 'blue</w>']],
    ['', []],
  ])('%j → %j', (text, symbols) => {
    expect(tokenizer.tokenize(text)).toEqual(symbols);
  });
});

describe('ClipTokenizer.encode', () => {
  it('wraps the ids in <|startoftext|> … <|endoftext|> and pads with zeros to 77', () => {
    const ids = tokenizer.encode('a red photo');

    expect(ids).toHaveLength(CLIP_CONTEXT_LENGTH);
    expect(ids.slice(0, 5)).toEqual([id('<|startoftext|>'), id('a</w>'), id('red</w>'), id('photo</w>'), id('<|endoftext|>')]);
    expect(ids.slice(5)).toEqual(new Array(CLIP_CONTEXT_LENGTH - 5).fill(0));
  });

  it('cuts a long text to its first 75 tokens and still ends it with <|endoftext|>', () => {
    const ids = tokenizer.encode('red '.repeat(100));

    expect(ids).toHaveLength(CLIP_CONTEXT_LENGTH);
    expect(ids[0]).toBe(id('<|startoftext|>'));
    expect(ids.slice(1, 76)).toEqual(new Array(75).fill(id('red</w>')));
    expect(ids[76]).toBe(id('<|endoftext|>'));
  });

  it('keeps a marker written in the text whole', () => {
    expect(tokenizer.encode('red <|endoftext|>').slice(0, 5)).toEqual([id('<|startoftext|>'), id('red</w>'), id('<|endoftext|>'), id('<|endoftext|>'), 0]);
  });
});
