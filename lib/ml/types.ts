/**
 * The three engines an indexed video goes through, each behind an interface so that config
 * chooses the implementation (local binaries, ONNX weights, or AWS services). Every engine names
 * itself `name@version`; that id is recorded on the video so a later reindex knows what changed.
 */

/** One recognised word, seconds from the start of the audio the engine was given. */
export interface TimedWord {
  word: string;
  start: number;
  end: number;
}

export interface Transcriber {
  /** `name@version`, e.g. `pocketsphinx@5prealpha-en-us`. */
  readonly id: string;
  /** Speech in `pcm` (signed 16-bit little-endian, 16 kHz, mono) → words with times. Silence → []. */
  transcribe(pcm: Buffer): Promise<TimedWord[]>;
}

export interface TextReader {
  readonly id: string;
  /** On-screen text of one encoded image (JPEG/PNG), lines joined by '\n', trimmed; '' when none. */
  read(image: Buffer): Promise<string>;
  /** The same for many images, in order: engines with a start-up cost pay it once per batch. */
  readAll(images: readonly Buffer[]): Promise<string[]>;
}

export interface Embedder {
  readonly id: string;
  /** Length of every vector this embedder returns (vectors are L2-normalised). */
  readonly dimension: number;
  /** False for descriptors that only compare pictures: a text query then skips the `video` mode. */
  readonly understandsText: boolean;
  /** Encoded images (JPEG/PNG/WebP) → one vector each, in order. */
  embedImages(images: readonly Buffer[]): Promise<Float32Array[]>;
  /** Texts → one vector each; throws EngineUnavailableError when `understandsText` is false. */
  embedText(texts: readonly string[]): Promise<Float32Array[]>;
}

/** An engine that cannot answer now (binary missing, model not found, remote service down). */
export class EngineUnavailableError extends Error {
  constructor(
    readonly engine: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineUnavailableError';
  }
}
