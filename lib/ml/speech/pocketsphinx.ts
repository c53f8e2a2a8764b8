import { execFile, execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { EngineUnavailableError, type TimedWord, type Transcriber } from '#lib/ml/types';

/**
 * Speech → timed words with CMU PocketSphinx (Debian `pocketsphinx` + `pocketsphinx-en-us`), one
 * `pocketsphinx_continuous` process per call, reading the PCM from a temp file: `-infile /dev/stdin`
 * fails under Node (a child's stdin is a socket, which cannot be opened by path: ENXIO). `-time yes`
 * prints each utterance's words with their frames, counted from the start of the file.
 */
export type SpeechPreset = 'accurate' | 'fast';

export interface PocketSphinxOptions {
  preset: SpeechPreset;
  /** The decoder binary: a name looked up in PATH, or a path. */
  binary?: string;
  /** Folder holding the acoustic model (`en-us/`), `en-us.lm.bin` and `cmudict-en-us.dict`. */
  modelDir?: string;
  /** Kill the decoder after this long; default: a minute plus twice the audio's duration. */
  timeoutMs?: number;
  /** Decoder flags instead of the preset's (bench/quality.ts tries candidate settings with these). */
  decoderArgs?: readonly string[];
}

export const POCKETSPHINX_BINARY = 'pocketsphinx_continuous';
export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const INSTALL_HINT = 'install it with `apt-get install pocketsphinx pocketsphinx-en-us` (or run bin/setup)';

/**
 * `fast` narrows the search (fewer Gaussians, word ends and HMMs per frame) and skips the second,
 * flat-lexicon pass. Measured on the bench video's first 150 s (one core, machine under load, so
 * CPU ±20 %): PocketSphinx's defaults with `-ds 2` (Gaussians every other frame) 0.09–0.11× real
 * time, WER 5.2 %; the same without the flat pass 0.07×, 5.5 %; every frame (`-ds 1`) with at most
 * 1000 HMMs a frame 0.07–0.09×, 4.1 %. `-ds 2` also lost a sentence at the tail of a short chunk
 * (13 s of audio: "hungry bear searched the forest" → "hungry their search the floor as") that
 * every `-ds 1` setting kept. Each call also loads the model first (~0.7 s).
 *
 * `accurate` is PocketSphinx's own defaults with the spectrum warped by 1.15 (inverse-linear vocal
 * tract length normalisation), chosen on held-out measurement (bench/quality-speech.ts, README "How
 * the speech preset was chosen"): on the tuning sentences WER 29.9 → 23.7 %, on the real LibriVox
 * recordings 36.6 → 33.8 %, no utterance lost, same CPU; the language weight, insertion penalty,
 * beams, passes and silence handling moved nothing.
 */
export const PRESET_ARGS: Record<SpeechPreset, readonly string[]> = {
  accurate: ['-warp_type', 'inverse_linear', '-warp_params', '1.15'],
  fast: ['-ds', '1', '-topn', '2', '-maxwpf', '5', '-maxhmmpf', '1000', '-pl_window', '10', '-fwdflat', 'no'],
};

/**
 * Bumped whenever a preset's flags change, so `models` on a video tells transcripts made with the old
 * flags from the new ones (accurate v2 added the frequency warp).
 */
const PRESET_REVISION: Record<SpeechPreset, string> = { accurate: 'v2', fast: 'v1' };

const SAMPLE_RATE = 16_000;
const BYTES_PER_SECOND = SAMPLE_RATE * 2;
/** `-time yes` prints a word's first and last frame; the last frame lasts one frame more (100 frames/s by default). */
const FRAME_SECS = 0.01;
/** `word start end confidence`; the utterance's plain hypothesis line never has three numbers after a word. */
const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) \S+$/;
/** `<s>`, `</s>`, `<sil>`, `[NOISE]`, `[SPEECH]` and any other filler of the model's noise dictionary. */
const FILLER = /^[<[+]/;
/** The dictionary's alternate pronunciations: `the(2)` is still "the". */
const ALTERNATE = /\(\d+\)$/;

export class PocketSphinxTranscriber implements Transcriber {
  private readonly preset: SpeechPreset;
  private readonly binary: string;
  private readonly modelDir: string;
  private readonly timeoutMs: number | undefined;
  private readonly decoderArgs: readonly string[];

  constructor(options: PocketSphinxOptions) {
    this.preset = options.preset;
    this.decoderArgs = options.decoderArgs ?? PRESET_ARGS[options.preset];
    this.binary = options.binary ?? POCKETSPHINX_BINARY;
    this.modelDir = options.modelDir ?? POCKETSPHINX_MODEL_DIR;
    this.timeoutMs = options.timeoutMs;
  }

  /** `pocketsphinx@<Debian version>-en-us-<preset>-<revision>`, read once per process (dpkg-query, ~10 ms) when first asked. */
  get id(): string {
    return `pocketsphinx@${packageVersion()}-${modelName(this.modelDir)}-${this.preset}-${PRESET_REVISION[this.preset]}`;
  }

  async transcribe(pcm: Buffer): Promise<TimedWord[]> {
    // A trailing odd byte is half a sample: the decoder would misread it, so it is dropped.
    const samples = pcm.subarray(0, pcm.length - (pcm.length % 2));
    if (samples.length === 0) return [];
    const missing = await missingModelFiles(this.modelDir);
    if (missing) throw new EngineUnavailableError('pocketsphinx', `PocketSphinx model not found (${missing}): ${INSTALL_HINT}`);
    const durationSecs = samples.length / BYTES_PER_SECOND;
    // No `.wav` extension: the decoder then reads the file as raw 16 kHz samples, with no header to check.
    const folder = await mkdtemp(join(tmpdir(), 'frameseek-pocketsphinx-'));
    try {
      const audioFile = join(folder, 'audio.raw');
      await writeFile(audioFile, samples);
      const stdout = await this.decode(audioFile, this.timeoutMs ?? Math.ceil(60_000 + 2_000 * durationSecs));
      return parseWordTimes(stdout, durationSecs);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  private decode(audioFile: string, timeoutMs: number): Promise<string> {
    const model = modelFiles(this.modelDir);
    const args = ['-infile', audioFile, '-hmm', model.hmm, '-lm', model.lm, '-dict', model.dict, '-time', 'yes', ...this.decoderArgs];
    return new Promise((resolve, reject) => {
      execFile(this.binary, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if ('code' in error && (error.code === 'ENOENT' || error.code === 'EACCES')) {
          return reject(new EngineUnavailableError('pocketsphinx', `${this.binary} not found: ${INSTALL_HINT}`));
        }
        if (error.killed) return reject(new Error(`pocketsphinx timed out after ${Math.round(timeoutMs / 1000)} s`, { cause: error }));
        reject(new Error(`pocketsphinx failed: ${lastErrors(stderr) || `exit code ${String(error.code)}`}`, { cause: error }));
      });
    });
  }
}

/** Words of every utterance, in order, fillers dropped, times in seconds from the start of the audio. */
export function parseWordTimes(stdout: string, durationSecs: number): TimedWord[] {
  const words: TimedWord[] = [];
  for (const line of stdout.split('\n')) {
    const match = WORD_LINE.exec(line.trim());
    if (!match) continue;
    const [, token = '', first = '0', last = '0'] = match;
    if (FILLER.test(token)) continue;
    const start = Math.min(Number(first), durationSecs);
    const end = Math.min(round(Number(last) + FRAME_SECS), durationSecs);
    words.push({ word: token.replace(ALTERNATE, '').toLowerCase(), start, end });
  }
  return words;
}

/** For `npm start`'s boot check: why PocketSphinx cannot run here, or undefined when it can. */
export async function checkPocketSphinx(binary = POCKETSPHINX_BINARY, modelDir = POCKETSPHINX_MODEL_DIR): Promise<string | undefined> {
  if (!(await isExecutable(binary))) return `Speech search is off: ${binary} is not installed; ${INSTALL_HINT}.`;
  const missing = await missingModelFiles(modelDir);
  if (missing) return `Speech search is off: the PocketSphinx US-English model is missing (${missing}); ${INSTALL_HINT}.`;
  return undefined;
}

/** A name is looked up in PATH as the shell would; a path is checked as it is. */
async function isExecutable(binary: string): Promise<boolean> {
  const candidates = binary.includes('/') ? [binary] : (process.env.PATH ?? '').split(delimiter).map((folder) => join(folder, binary));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

function modelFiles(modelDir: string) {
  return { hmm: join(modelDir, 'en-us'), lm: join(modelDir, 'en-us.lm.bin'), dict: join(modelDir, 'cmudict-en-us.dict') };
}

function modelName(modelDir: string): string {
  return modelDir.split('/').filter(Boolean).pop() ?? 'model';
}

async function missingModelFiles(modelDir: string): Promise<string | undefined> {
  const model = modelFiles(modelDir);
  for (const path of [join(model.hmm, 'mdef'), model.lm, model.dict]) {
    try {
      await access(path, constants.R_OK);
    } catch {
      return path;
    }
  }
  return undefined;
}

let version: string | undefined;

/** The Debian package's version (`0.8+5prealpha+1-15`): the binary prints none. `unknown` off Debian. */
function packageVersion(): string {
  version ??= readPackageVersion();
  return version;
}

function readPackageVersion(): string {
  try {
    const output = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'pocketsphinx'], {
      encoding: 'utf8',
      timeout: 5_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return output.trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

function lastErrors(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => /^(ERROR|FATAL)/.test(line));
  return lines.slice(-3).join(' ').trim();
}

function round(secs: number): number {
  return Math.round(secs * 1000) / 1000;
}
