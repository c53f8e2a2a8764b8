import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { EngineUnavailableError, type TextReader } from '#lib/ml/types';
import { isPlausibleLine, WORD_LIST_PATH, wordList } from '#lib/ml/ocr/plausible-text';

/**
 * On-screen text with Tesseract (Debian `tesseract-ocr` + `tesseract-ocr-eng`). A batch of frames
 * is read by one process from a list of files: starting Tesseract and loading its model costs
 * ~0.2 s of CPU, more than reading a 720p frame (~0.06 s), so one process per frame spent three
 * quarters of OCR's time starting up (measured on 30 bench frames: 9.3 s one by one, 1.7 s as one
 * list, the same text). The frame is made grey (captions over colour read far better: measured) and scaled to
 * 720–1080 lines (small frames' captions are too few pixels high for it; bigger ones only cost
 * time), read with automatic page segmentation (psm 3 found more captions than 6 or 11 on
 * bench/engines/ocr-compare.ts's frames), and cleaned by Tesseract's own word confidences and a
 * word check (plausible-text.ts). Contrast stretching, inverting dark frames, Otsu binarisation,
 * upscaling to 1440 lines, psm 11 and a lower confidence bar were measured against this on a
 * tuning seed of held-out captions (bench/quality-captions.ts): none read more captions, most read
 * fewer or cost more, so they stay options (`preprocessing`) and off. One OpenMP thread: the same
 * frame always gives the same text.
 */
export interface TesseractOptions {
  /** The binary: a name looked up in PATH, or a path. */
  binary?: string;
  /** Tesseract language(s), e.g. `eng` or `eng+deu`. */
  language?: string;
  /** Page segmentation mode (`--psm`). */
  pageSegmentation?: number;
  minWordConfidence?: number;
  /** Per frame of a batch. */
  timeoutMs?: number;
  /** How a frame is prepared before Tesseract reads it (bench/quality-captions.ts measures the choices). */
  preprocessing?: OcrPreprocessing;
  /** The word list lines are checked against (plausible-text.ts), or false to keep every line. */
  wordList?: string | false;
}

/** Image preparation before reading; every frame is made grey first. */
export interface OcrPreprocessing {
  /** Stretch the grey levels to the full range (1st–99th percentile). */
  contrast?: boolean;
  /** Negate a frame whose grey levels are mostly dark, so its text comes out dark on light. */
  invertDark?: boolean;
  /** Black and white at Otsu's threshold. */
  binarise?: boolean;
  /** Frames shorter than this are scaled up to it (lines); taller ones down to MAX_HEIGHT. */
  minHeight?: number;
}

export const TESSERACT_BINARY = 'tesseract';
const INSTALL_HINT = 'install it with `apt-get install tesseract-ocr tesseract-ocr-eng` (or run bin/setup)';
const DEFAULT_PAGE_SEGMENTATION = 3;
/** Real caption words score 85–97 here; misread fragments of backgrounds and outlined letters under 60 (bench/engines/ocr-compare.ts). */
const MIN_WORD_CONFIDENCE = 60;
const MIN_HEIGHT = 720;
const MAX_HEIGHT = 1080;
const DEFAULT_PREPROCESSING: OcrPreprocessing = {};
/** Frames per Tesseract process: start-up is paid once per batch, and a batch's PNGs (~0.3 MB each) are all the disk it needs. */
const BATCH_SIZE = 32;

export class TesseractReader implements TextReader {
  private readonly binary: string;
  private readonly language: string;
  private readonly pageSegmentation: number;
  private readonly minWordConfidence: number;
  private readonly timeoutMs: number;
  private readonly preprocessing: OcrPreprocessing;
  private readonly wordListPath: string | false;

  constructor(options: TesseractOptions = {}) {
    this.binary = options.binary ?? TESSERACT_BINARY;
    this.language = options.language ?? 'eng';
    this.pageSegmentation = options.pageSegmentation ?? DEFAULT_PAGE_SEGMENTATION;
    this.minWordConfidence = options.minWordConfidence ?? MIN_WORD_CONFIDENCE;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.preprocessing = options.preprocessing ?? DEFAULT_PREPROCESSING;
    this.wordListPath = options.wordList ?? WORD_LIST_PATH;
  }

  /** `tesseract@5.3.0`, read once per process (`tesseract --version`, ~20 ms) when first asked. */
  get id(): string {
    return `tesseract@${binaryVersion(this.binary)}`;
  }

  async read(image: Buffer): Promise<string> {
    const [text = ''] = await this.readAll([image]);
    return text;
  }

  async readAll(images: readonly Buffer[]): Promise<string[]> {
    const texts: string[] = [];
    for (let start = 0; start < images.length; start += BATCH_SIZE) texts.push(...(await this.readBatch(images.slice(start, start + BATCH_SIZE))));
    return texts;
  }

  private async readBatch(images: readonly Buffer[]): Promise<string[]> {
    if (images.length === 0) return [];
    const prepared = await Promise.all(images.map((image) => prepareImage(image, this.preprocessing)));
    const folder = await mkdtemp(join(tmpdir(), 'frameseek-ocr-'));
    try {
      const pages = await Promise.all(
        prepared.map(async (png, index) => {
          const path = join(folder, `${index}.png`);
          await writeFile(path, png);
          return path;
        }),
      );
      const list = join(folder, 'pages.txt');
      await writeFile(list, `${pages.join('\n')}\n`);
      const words = this.wordListPath === false ? undefined : wordList(this.wordListPath);
      return textsFromTsv(await this.recognise(list, images.length), images.length, this.minWordConfidence, words);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  /** `input` is a text file naming one image per line: Tesseract reads each as a page of one document. */
  private recognise(input: string, pageCount: number): Promise<string> {
    const args = [input, 'stdout', '-l', this.language, '--psm', String(this.pageSegmentation), 'tsv'];
    // One thread: the indexer already reads one chunk per core, and OpenMP threads on top only contend.
    const env = { ...process.env, OMP_THREAD_LIMIT: '1' };
    const timeout = this.timeoutMs * pageCount;
    return new Promise((resolve, reject) => {
      execFile(this.binary, args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024, timeout }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if ('code' in error && (error.code === 'ENOENT' || error.code === 'EACCES')) {
          return reject(new EngineUnavailableError('tesseract', `${this.binary} not found: ${INSTALL_HINT}`));
        }
        if (error.killed) return reject(new Error(`tesseract timed out after ${Math.round(timeout / 1000)} s`, { cause: error }));
        if (/Failed loading language|Error opening data file/.test(stderr)) {
          return reject(new EngineUnavailableError('tesseract', `Tesseract has no '${this.language}' language data: ${INSTALL_HINT}`));
        }
        reject(new Error(`tesseract failed: ${stderr.trim().split('\n').slice(-2).join(' ') || error.message}`, { cause: error }));
      });
    });
  }
}

/** Grey, at a height Tesseract reads well, prepared as asked, as a fast-to-write PNG (lossless: no new JPEG artefacts around letters). */
export async function prepareImage(image: Buffer, preprocessing: OcrPreprocessing = DEFAULT_PREPROCESSING): Promise<Buffer> {
  const picture = sharp(image, { failOn: 'error' });
  const { height } = await picture.metadata();
  if (!height) throw new Error('the image has no height: not a picture sharp can decode');
  const target = Math.min(Math.max(height, preprocessing.minHeight ?? MIN_HEIGHT), Math.max(MAX_HEIGHT, preprocessing.minHeight ?? 0));
  const scaled = (target === height ? picture : picture.resize({ height: target, kernel: 'lanczos3' })).greyscale();
  if (!preprocessing.contrast && !preprocessing.invertDark && !preprocessing.binarise) return scaled.png({ compressionLevel: 1 }).toBuffer();
  const { data, info } = await scaled.raw().toBuffer({ resolveWithObject: true });
  const grey = info.channels === 1 ? data : everyNth(data, info.channels);
  const histogram = new Array<number>(256).fill(0);
  for (const value of grey) histogram[value] = (histogram[value] ?? 0) + 1;
  const [low, high] = preprocessing.contrast ? percentiles(histogram, grey.length, 0.01, 0.99) : [0, 255];
  const stretch = high > low ? 255 / (high - low) : 1;
  const invert = preprocessing.invertDark === true && percentiles(histogram, grey.length, 0.5, 0.5)[0] < 128;
  const threshold = preprocessing.binarise ? otsu(histogram, grey.length) : -1;
  const out = Buffer.allocUnsafe(grey.length);
  for (let index = 0; index < grey.length; index += 1) {
    let value = Math.min(255, Math.max(0, ((grey[index] ?? 0) - low) * stretch));
    if (threshold >= 0) value = (grey[index] ?? 0) > threshold ? 255 : 0;
    out[index] = invert ? 255 - value : value;
  }
  return sharp(out, { raw: { width: info.width, height: info.height, channels: 1 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

function everyNth(data: Buffer, step: number): Buffer {
  const out = Buffer.allocUnsafe(data.length / step);
  for (let index = 0; index < out.length; index += 1) out[index] = data[index * step] ?? 0;
  return out;
}

/** The grey levels below which the `lowShare` and `highShare` of the pixels lie. */
function percentiles(histogram: readonly number[], total: number, lowShare: number, highShare: number): [number, number] {
  let seen = 0;
  let low = -1;
  let high = 255;
  for (let level = 0; level < 256; level += 1) {
    seen += histogram[level] ?? 0;
    if (low < 0 && seen >= total * lowShare) low = level;
    if (seen >= total * highShare) {
      high = level;
      break;
    }
  }
  return [Math.max(0, low), high];
}

/** Otsu's threshold: the grey level that best splits the histogram in two classes. */
function otsu(histogram: readonly number[], total: number): number {
  let sum = 0;
  for (let level = 0; level < 256; level += 1) sum += level * (histogram[level] ?? 0);
  let below = 0;
  let sumBelow = 0;
  let best = 0;
  let threshold = 127;
  for (let level = 0; level < 256; level += 1) {
    below += histogram[level] ?? 0;
    if (below === 0) continue;
    const above = total - below;
    if (above === 0) break;
    sumBelow += level * (histogram[level] ?? 0);
    const between = below * above * (sumBelow / below - (sum - sumBelow) / above) ** 2;
    if (between > best) {
      best = between;
      threshold = level;
    }
  }
  return threshold;
}

/**
 * Tesseract's TSV: one row per word (level 5) with its block, paragraph and line numbers and a
 * confidence. A line is kept when at least one of its words is confident: misreadings of
 * backgrounds and outlined letters come out as lines of unconfident fragments (measured: under 60,
 * real caption words 90–97). On a kept line an unconfident word still counts when it looks like a
 * word (the last word of a boxed caption scores low when the box's edge touches it); and a line
 * left without letters or digits, or mostly punctuation, is noise; so is one that is not mostly
 * words, numbers, codes or names (`words`: plausible-text.ts).
 * A batch's TSV numbers its pages from 1 (`page_num`); the texts come back in page order.
 */
export function textsFromTsv(tsv: string, pageCount: number, minWordConfidence: number, words?: ReadonlySet<string>): string[] {
  const pages = Array.from({ length: pageCount }, () => new Map<string, { text: string; confident: boolean }[]>());
  for (const row of tsv.split('\n').slice(1)) {
    const [level, page, block, paragraph, line, , , , , , confidence, text = ''] = row.split('\t');
    const word = text.trim();
    const lines = pages[Number(page) - 1];
    if (level !== '5' || !word || !lines) continue;
    const key = `${block}.${paragraph}.${line}`;
    const confident = Number(confidence) >= minWordConfidence && ALPHANUMERIC_PAIR.test(word);
    lines.set(key, [...(lines.get(key) ?? []), { text: word, confident }]);
  }
  return pages.map((lines) =>
    [...lines.values()]
      .filter((words) => words.some((word) => word.confident))
      .map((words) => words.filter((word) => word.confident || looksLikeAWord(word.text)).map((word) => word.text))
      .map((words) => words.join(' '))
      .filter(isMostlyText)
      .filter((line) => isPlausibleLine(line, words))
      .join('\n')
      .trim(),
  );
}

const ALPHANUMERIC_PAIR = /[\p{L}\p{N}].*[\p{L}\p{N}]/u;
/** Letters and digits (an apostrophe or hyphen inside), at most a quote or bracket before and punctuation after. */
const WORD_SHAPE = /^["'(]?[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*[.,:;!?)"']*$/u;
/** Longer than any common word: a misread run of letters (`Mordiiismagsetatseeoiologist`). */
const MAX_UNCONFIDENT_WORD_LENGTH = 20;

function looksLikeAWord(text: string): boolean {
  return text.length <= MAX_UNCONFIDENT_WORD_LENGTH && WORD_SHAPE.test(text);
}

function isMostlyText(line: string): boolean {
  const visible = line.replace(/\s+/g, '');
  const alphanumeric = visible.replace(/[^\p{L}\p{N}]/gu, '');
  return alphanumeric.length > 0 && alphanumeric.length >= visible.length / 2;
}

/** For `npm start`'s boot check: why Tesseract cannot run here, or undefined when it can. */
export async function checkTesseract(binary = TESSERACT_BINARY, language = 'eng'): Promise<string | undefined> {
  let listed: string;
  try {
    // `--list-langs` both proves the binary runs and names the language data it finds.
    ({ stdout: listed } = await promisify(execFile)(binary, ['--list-langs'], { encoding: 'utf8', timeout: 10_000 }));
  } catch {
    return `On-screen text search is off: ${binary} is not installed; ${INSTALL_HINT}.`;
  }
  const missing = language.split('+').filter((name) => !listed.split('\n').includes(name));
  if (missing.length > 0) return `On-screen text search is off: Tesseract has no language data for ${missing.join(', ')}; ${INSTALL_HINT}.`;
  return undefined;
}

const versions = new Map<string, string>();

function binaryVersion(binary: string): string {
  let version = versions.get(binary);
  if (version === undefined) {
    version = readVersion(binary);
    versions.set(binary, version);
  }
  return version;
}

/** `tesseract --version` prints `tesseract 5.3.0` first (to stdout in 5.x, stderr in older releases). */
function readVersion(binary: string): string {
  try {
    const output = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /tesseract v?(\S+)/.exec(output)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
