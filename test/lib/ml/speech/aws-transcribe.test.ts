import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adaptClientToStandIn, startS3Local, type RunningS3 } from '#infra/local/s3';
import { AwsTranscribeTranscriber, parseTranscript } from '#lib/ml/speech/aws-transcribe';
import { EngineUnavailableError } from '#lib/ml/types';
import { mediaBucket, s3 } from '#lib/storage/client';
import { deletePrefix, putObject } from '#lib/storage/objects';
import { DEFAULT_TRANSCRIPT, startAwsEngineStandIn, type RunningAwsEngineStandIn } from '#test/support/aws-engine-standins';

/**
 * The real Transcribe SDK against the local awsJson1_1 stand-in, and the real S3 SDK (the shared
 * client of lib/storage) against this file's S3 stand-in, which the Transcribe stand-in reads the
 * WAV from and writes its transcript to.
 */
let storage: RunningS3;
let standIn: RunningAwsEngineStandIn;
const storageDir = mkdtempSync(join(tmpdir(), 'frameseek-s3-'));

beforeAll(async () => {
  const endpoint = process.env.FRAMESEEK_S3_ENDPOINT;
  if (!endpoint) throw new Error('per-file-env did not run');
  storage = await startS3Local({ port: Number(new URL(endpoint).port), directory: storageDir, bucket: mediaBucket });
  adaptClientToStandIn(s3, mediaBucket);
  standIn = await startAwsEngineStandIn({ s3Endpoint: storage.endpoint });
});
afterEach(() => standIn.heal());
afterAll(async () => {
  await standIn.stop();
  await storage.stop();
  rmSync(storageDir, { recursive: true, force: true });
});

function transcriber(options: Partial<ConstructorParameters<typeof AwsTranscribeTranscriber>[0]> = {}): AwsTranscribeTranscriber {
  return new AwsTranscribeTranscriber({
    region: 'us-east-1',
    bucket: mediaBucket,
    endpoint: standIn.url,
    pollIntervalMs: 10,
    maxPollIntervalMs: 40,
    ...options,
  });
}

/** Seconds of a 440 Hz tone as s16le 16 kHz mono. */
function tone(seconds: number): Buffer {
  const pcm = Buffer.alloc(Math.round(seconds * 16_000) * 2);
  for (let sample = 0; sample < pcm.length / 2; sample++) pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * sample) / 16_000)), sample * 2);
  return pcm;
}

async function scratchKeys(): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: mediaBucket, Prefix: 'transcribe/' }));
  return (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
}

function requestsSince(start: number) {
  return standIn.requests.slice(start);
}

describe('AwsTranscribeTranscriber', () => {
  it('uploads the audio as a WAV, runs a signed en-US job and returns its words with times', async () => {
    const start = standIn.requests.length;

    const words = await transcriber().transcribe(tone(2.5));

    expect(words).toEqual(DEFAULT_TRANSCRIPT.map(({ word, start: wordStart, end }) => ({ word, start: wordStart, end })));
    const sent = requestsSince(start);
    expect(sent.map((request) => request.target)).toEqual([
      'Transcribe.StartTranscriptionJob',
      'Transcribe.GetTranscriptionJob',
      'Transcribe.GetTranscriptionJob',
    ]);
    expect(sent.every((request) => request.signedFor === 'transcribe')).toBe(true);
    const job = sent[0]?.body ?? {};
    expect(job).toMatchObject({ LanguageCode: 'en-US', MediaFormat: 'wav', MediaSampleRateHertz: 16000, OutputBucketName: mediaBucket });
    const name = /^transcribe\/([0-9a-f-]{36})\.json$/.exec(String(job.OutputKey))?.[1];
    expect(name).toBeDefined();
    expect(job).toMatchObject({ TranscriptionJobName: `frameseek-${name}`, Media: { MediaFileUri: `s3://${mediaBucket}/transcribe/${name}.wav` } });
  });

  it('deletes its WAV and transcript once read, and nothing else under transcribe/', async () => {
    await putObject('transcribe/someone-else.wav', Buffer.from('not ours'), 'audio/wav');

    await transcriber().transcribe(tone(1));

    expect(await scratchKeys()).toEqual(['transcribe/someone-else.wav']);
    await deletePrefix('transcribe/');
  });

  it('returns no words for empty audio without calling the service', async () => {
    const start = standIn.requests.length;

    expect(await transcriber().transcribe(Buffer.alloc(1))).toEqual([]);
    expect(requestsSince(start)).toEqual([]);
  });

  it('throws a plain error naming the reason when the job fails, and still cleans up', async () => {
    standIn.failJobs('The media file is corrupt.');

    const error = await transcriber()
      .transcribe(tone(1))
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(EngineUnavailableError);
    expect(error).toMatchObject({ message: expect.stringContaining('The media file is corrupt.') });
    expect(await scratchKeys()).toEqual([]);
  });

  it('rides out one throttled StartTranscriptionJob through the SDK retry', async () => {
    standIn.failNext(1, 'throttling');
    const start = standIn.requests.length;

    const words = await transcriber().transcribe(tone(1));

    expect(words).toHaveLength(DEFAULT_TRANSCRIPT.length);
    expect(requestsSince(start).filter((request) => request.target === 'Transcribe.StartTranscriptionJob')).toHaveLength(2);
  });

  it('throws EngineUnavailableError once throttling outlasts the SDK retries, and leaves nothing behind', async () => {
    standIn.failNext(10, 'throttling');

    const error = await transcriber()
      .transcribe(tone(1))
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error).toMatchObject({ engine: 'aws-transcribe@en-US', message: expect.stringContaining('ThrottlingException') });
    expect(await scratchKeys()).toEqual([]);
  });

  it('throws EngineUnavailableError when the job outlasts the timeout, deleting what the job wrote', async () => {
    standIn.holdJobs(true);
    const start = standIn.requests.length;
    const began = Date.now();

    const error = await transcriber({ timeoutMs: 300 })
      .transcribe(tone(1))
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error).toMatchObject({ message: expect.stringContaining('still IN_PROGRESS') });
    expect(Date.now() - began).toBeLessThan(3_000);
    // Backoff: 10, 15, 22.5, 33.75, then 40 ms waits → a handful of polls, not hundreds.
    const polls = requestsSince(start).filter((request) => request.target === 'Transcribe.GetTranscriptionJob').length;
    expect(polls).toBeGreaterThan(3);
    expect(polls).toBeLessThan(20);
    expect(await scratchKeys()).toEqual([]);
  });
});

describe('parseTranscript', () => {
  it('keeps pronunciation items with their decimal-string times and skips punctuation', () => {
    const json = JSON.stringify({
      results: {
        transcripts: [{ transcript: 'Yes, twelve.' }],
        items: [
          { type: 'pronunciation', start_time: '0.1', end_time: '0.35', alternatives: [{ confidence: '0.99', content: 'Yes' }] },
          { type: 'punctuation', alternatives: [{ confidence: '0.0', content: ',' }] },
          { type: 'pronunciation', start_time: '12.05', end_time: '12.6', alternatives: [{ confidence: '0.97', content: 'twelve' }] },
        ],
      },
    });

    expect(parseTranscript(json)).toEqual([
      { word: 'Yes', start: 0.1, end: 0.35 },
      { word: 'twelve', start: 12.05, end: 12.6 },
    ]);
  });

  it('refuses a document without results.items', () => {
    expect(() => parseTranscript('{"results":{}}')).toThrow('Transcribe output');
  });
});
