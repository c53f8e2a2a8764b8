import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetTranscriptionJobCommand, StartTranscriptionJobCommand, TranscribeClient } from '@aws-sdk/client-transcribe';
import * as z from 'zod';
import { logWarn } from '#lib/log';
import { EngineUnavailableError, type TimedWord, type Transcriber } from '#lib/ml/types';
import { deletePrefix, putObject, readObject } from '#lib/storage/objects';

/**
 * `aws-transcribe`: speech with Amazon Transcribe's batch jobs. Transcribe reads media only from
 * S3, so the PCM goes to the media bucket as a WAV under `transcribe/`, the job writes its JSON
 * next to it, and both are deleted once read. The job is polled with a growing interval up to an
 * overall timeout. A FAILED job throws (the worker's retry may succeed); the service not answering
 * (after the SDK's own retries) or the timeout is EngineUnavailableError.
 */
export interface AwsTranscribeOptions {
  region: string;
  /** The media bucket: the bucket lib/storage/objects.ts writes to, where Transcribe reads and writes. */
  bucket: string;
  /** A stand-in's URL (tests); unset: the regional Transcribe endpoint. */
  endpoint?: string;
  /** First wait between GetTranscriptionJob calls; each wait is 1.5× the last, up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** Give up on a job after this long (it keeps running; its objects are still deleted). */
  timeoutMs?: number;
}

export const TRANSCRIBE_ID = 'aws-transcribe@en-US';
export const TRANSCRIBE_PREFIX = 'transcribe/';

const SAMPLE_RATE = 16_000;
const LANGUAGE = 'en-US';
/** Batch jobs queue, then run at several times real time: a 5-minute chunk is usually done within 1–2 minutes. */
const DEFAULT_POLL_INTERVAL_MS = 2_000;
const DEFAULT_MAX_POLL_INTERVAL_MS = 15_000;
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
const POLL_GROWTH = 1.5;

/** The part of Transcribe's output JSON read here: `results.items`, times as decimal strings. */
const transcriptOutput = z.object({
  results: z.object({
    items: z.array(
      z.object({
        type: z.string(),
        start_time: z.string().optional(),
        end_time: z.string().optional(),
        alternatives: z.array(z.object({ content: z.string() })),
      }),
    ),
  }),
});

export class AwsTranscribeTranscriber implements Transcriber {
  readonly id = TRANSCRIBE_ID;
  private readonly client: TranscribeClient;
  private readonly bucket: string;
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private readonly timeoutMs: number;

  constructor(options: AwsTranscribeOptions) {
    this.client = new TranscribeClient({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    this.bucket = options.bucket;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.maxPollIntervalMs = options.maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async transcribe(pcm: Buffer): Promise<TimedWord[]> {
    // A trailing odd byte is half a sample; with none left there is nothing to send (Transcribe refuses empty media).
    const samples = pcm.subarray(0, pcm.length - (pcm.length % 2));
    if (samples.length === 0) return [];
    const name = randomUUID();
    const mediaKey = `${TRANSCRIBE_PREFIX}${name}.wav`;
    const outputKey = `${TRANSCRIBE_PREFIX}${name}.json`;
    try {
      await this.service('storing the audio', () => putObject(mediaKey, wavFromPcm(samples), 'audio/wav'));
      await this.service('StartTranscriptionJob', () =>
        this.client.send(
          new StartTranscriptionJobCommand({
            TranscriptionJobName: `frameseek-${name}`,
            LanguageCode: LANGUAGE,
            MediaFormat: 'wav',
            MediaSampleRateHertz: SAMPLE_RATE,
            Media: { MediaFileUri: `s3://${this.bucket}/${mediaKey}` },
            OutputBucketName: this.bucket,
            OutputKey: outputKey,
          }),
        ),
      );
      await this.awaitCompletion(`frameseek-${name}`);
      const output = await this.service('reading the transcript', () => readObject(outputKey));
      if (!output) throw new Error(`Transcribe job frameseek-${name} completed without its output at ${outputKey}`);
      return parseTranscript(Buffer.from(output).toString('utf8'));
    } finally {
      // Audio and transcript are scratch: a failed delete only leaves them to the bucket's lifecycle rule.
      await deletePrefix(`${TRANSCRIBE_PREFIX}${name}.`).catch((error: unknown) =>
        logWarn('could not delete Transcribe scratch objects', { prefix: `${TRANSCRIBE_PREFIX}${name}.`, error }),
      );
    }
  }

  private async awaitCompletion(jobName: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    let wait = this.pollIntervalMs;
    for (;;) {
      const { TranscriptionJob: job } = await this.service('GetTranscriptionJob', () =>
        this.client.send(new GetTranscriptionJobCommand({ TranscriptionJobName: jobName })),
      );
      const status = job?.TranscriptionJobStatus;
      if (status === 'COMPLETED') return;
      if (status === 'FAILED') throw new Error(`Transcribe job ${jobName} failed: ${job?.FailureReason ?? 'no reason given'}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new EngineUnavailableError(this.id, `Transcribe job ${jobName} was still ${status ?? 'unknown'} after ${Math.round(this.timeoutMs / 1000)} s`);
      await sleep(Math.min(wait, left));
      wait = Math.min(wait * POLL_GROWTH, this.maxPollIntervalMs);
    }
  }

  /** Runs one call to AWS; what it throws (once the SDK has retried) means the engine cannot answer now. */
  private async service<T>(step: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new EngineUnavailableError(this.id, `Transcribe failed ${step}: ${reason}`);
    }
  }
}

/** Spoken words of Transcribe's output JSON with their times; punctuation items have none and are skipped. */
export function parseTranscript(json: string): TimedWord[] {
  let parsed: z.infer<typeof transcriptOutput>;
  try {
    parsed = transcriptOutput.parse(JSON.parse(json));
  } catch (error) {
    throw new Error('Transcribe output is not the JSON it documents', { cause: error });
  }
  return parsed.results.items.flatMap((item): TimedWord[] => {
    const word = item.alternatives[0]?.content.trim();
    const start = Number(item.start_time);
    const end = Number(item.end_time);
    if (item.type !== 'pronunciation' || !word || !Number.isFinite(start) || !Number.isFinite(end)) return [];
    return [{ word, start, end }];
  });
}

/** A canonical 44-byte WAV header before the samples: PCM, mono, 16-bit, 16 kHz. */
export function wavFromPcm(samples: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]);
}
