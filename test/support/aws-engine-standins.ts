import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#infra/local/credentials';

/**
 * A local Amazon Transcribe and Amazon Rekognition that the real SDK clients talk to. Both speak
 * awsJson1_1 over HTTP/1.1 (the SDK's NodeHttpHandler): `POST /`, the operation in
 * `X-Amz-Target` (`Transcribe.StartTranscriptionJob`, `RekognitionService.DetectText`), a JSON
 * body, errors as a 4xx/5xx with `{"__type", "message"}`.
 *
 * Rekognition answers DetectText with the detections it was given (deterministic, any image).
 * Transcribe, on StartTranscriptionJob, reads the WAV the job names from the S3 stand-in (a job on
 * a missing or malformed WAV ends FAILED, as Amazon's does), writes the canned transcript in
 * Amazon's output format to the output bucket and key, then reports the job IN_PROGRESS on the
 * first GetTranscriptionJob and COMPLETED after.
 */
export type AwsFailure = 'throttling' | 'unavailable';

export interface AwsEngineRequest {
  /** `X-Amz-Target`, e.g. `Transcribe.GetTranscriptionJob`. */
  target: string;
  body: Record<string, unknown>;
  /** The service the SigV4 credential scope names (`transcribe`, `rekognition`), or undefined when unsigned. */
  signedFor: string | undefined;
}

/** A DetectText answer item, as Rekognition shapes it. */
export interface StandInTextDetection {
  DetectedText: string;
  Type: 'LINE' | 'WORD';
  Confidence: number;
  Geometry: { BoundingBox: { Top: number; Left: number; Width: number; Height: number } };
}

export interface CannedWord {
  word: string;
  start: number;
  end: number;
  /** Punctuation Transcribe writes after this word (its own item, without times). */
  punctuation?: string;
}

export interface RunningAwsEngineStandIn {
  url: string;
  /** Every request received, in order (failed ones too). */
  requests: AwsEngineRequest[];
  /** The next `count` requests (any operation) fail this way; then answers resume. */
  failNext(count: number, failure: AwsFailure): void;
  /** Jobs started from now on end FAILED with this reason (undefined: they complete again). */
  failJobs(reason: string | undefined): void;
  /** Jobs started from now on stay IN_PROGRESS for ever (a slow service). */
  holdJobs(hold: boolean): void;
  /** What DetectText answers from now on. */
  setTextDetections(detections: StandInTextDetection[]): void;
  /** What jobs started from now on transcribe. */
  setTranscript(words: CannedWord[]): void;
  /** Drops queued failures and job modes; canned answers stay. */
  heal(): void;
  stop(): Promise<void>;
}

export interface AwsEngineStandInOptions {
  /** The S3 stand-in Transcribe reads media from and writes transcripts to; without it StartTranscriptionJob is refused. */
  s3Endpoint?: string;
}

export const DEFAULT_TRANSCRIPT: CannedWord[] = [
  { word: 'Hello', start: 0.04, end: 0.41 },
  { word: 'world', start: 0.41, end: 0.86, punctuation: '.' },
  { word: 'Search', start: 1.2, end: 1.61 },
  { word: 'every', start: 1.61, end: 1.9 },
  { word: 'frame', start: 1.9, end: 2.35, punctuation: '.' },
];

function line(text: string, confidence: number, top: number, left = 0.1, type: 'LINE' | 'WORD' = 'LINE'): StandInTextDetection {
  return { DetectedText: text, Type: type, Confidence: confidence, Geometry: { BoundingBox: { Top: top, Left: left, Width: 0.5, Height: 0.08 } } };
}

/** Rekognition lists lines in no promised order: the bottom caption comes first here on purpose. */
export const DEFAULT_TEXT_DETECTIONS: StandInTextDetection[] = [
  line('BOTTOM CAPTION', 99.1, 0.82),
  line('Top headline', 97.4, 0.08),
  line('faint watermark', 41.5, 0.45),
  line('Top', 99.0, 0.08, 0.1, 'WORD'),
  line('headline', 95.8, 0.08, 0.3, 'WORD'),
];

const FAILURES: Record<AwsFailure, { status: number; type: (service: string) => string; message: string }> = {
  throttling: { status: 400, type: () => 'ThrottlingException', message: 'Rate exceeded' },
  unavailable: {
    status: 500,
    type: (service) => (service === 'RekognitionService' ? 'InternalServerError' : 'InternalFailureException'),
    message: 'We encountered an internal error. Try again.',
  },
};

interface StandInJob {
  name: string;
  request: Record<string, unknown>;
  createdAt: number;
  polls: number;
  hold: boolean;
  failureReason: string | undefined;
}

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomBytes(16).toString('hex') });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `AWS4-HMAC-SHA256 Credential=KEY/20250101/us-east-1/transcribe/aws4_request, …` → `transcribe`. */
function signingService(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')?.[1];
}

function parseS3Uri(uri: unknown): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(String(uri));
  return match?.[1] && match[2] ? { bucket: match[1], key: match[2] } : undefined;
}

/** Why Transcribe would refuse this as a 16 kHz mono 16-bit WAV, or undefined when it is one. */
function wavProblem(bytes: Uint8Array, sampleRate: unknown): string | undefined {
  const wav = Buffer.from(bytes);
  if (wav.length < 44 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') {
    return 'The media format provided does not match the detected media format. Check the media format and try your request again.';
  }
  const [format, channels, rate, bits] = [wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)];
  if (format !== 1 || channels !== 1 || bits !== 16) return 'Unsupported audio format.';
  if (sampleRate !== undefined && rate !== sampleRate) {
    return `The specified sample rate ${String(sampleRate)} doesn't match the sample rate ${rate} detected in your input media file.`;
  }
  if (wav.readUInt32LE(40) !== wav.length - 44) return 'The media file is truncated.';
  return undefined;
}

/** Amazon Transcribe's output document: the transcript text, then one item per word and punctuation mark. */
function transcriptDocument(jobName: string, words: readonly CannedWord[]): unknown {
  const items: unknown[] = [];
  for (const word of words) {
    items.push({
      id: items.length,
      type: 'pronunciation',
      alternatives: [{ confidence: '0.998', content: word.word }],
      start_time: word.start.toFixed(3),
      end_time: word.end.toFixed(3),
    });
    if (word.punctuation) items.push({ id: items.length, type: 'punctuation', alternatives: [{ confidence: '0.0', content: word.punctuation }] });
  }
  const transcript = words.map((word) => `${word.word}${word.punctuation ?? ''}`).join(' ');
  return { jobName, accountId: '123456789012', status: 'COMPLETED', results: { transcripts: [{ transcript }], items } };
}

export async function startAwsEngineStandIn(options: AwsEngineStandInOptions = {}): Promise<RunningAwsEngineStandIn> {
  const requests: AwsEngineRequest[] = [];
  const pendingFailures: AwsFailure[] = [];
  const jobs = new Map<string, StandInJob>();
  let jobFailure: string | undefined;
  let holdJobs = false;
  let textDetections = DEFAULT_TEXT_DETECTIONS;
  let transcript = DEFAULT_TRANSCRIPT;
  const s3 = options.s3Endpoint
    ? new S3Client({ region: LOCAL_REGION, endpoint: options.s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS })
    : undefined;

  async function startTranscriptionJob(body: Record<string, unknown>): Promise<unknown> {
    const name = String(body.TranscriptionJobName ?? '');
    if (!/^[0-9a-zA-Z._-]{1,200}$/.test(name)) throw new ServiceError(400, 'BadRequestException', 'TranscriptionJobName is invalid.');
    if (jobs.has(name)) throw new ServiceError(409, 'ConflictException', 'The requested job name already exists. Use a different job name.');
    if (!s3) throw new ServiceError(500, 'InternalFailureException', 'the stand-in has no S3 to read media from');
    const media = parseS3Uri((body.Media as { MediaFileUri?: unknown } | undefined)?.MediaFileUri);
    if (!media) throw new ServiceError(400, 'BadRequestException', 'The S3 URI in Media.MediaFileUri is invalid.');
    if (body.MediaFormat !== 'wav' || body.LanguageCode !== 'en-US')
      throw new ServiceError(400, 'BadRequestException', 'This stand-in transcribes en-US WAV only.');
    const outputBucket = String(body.OutputBucketName ?? '');
    const outputKey = typeof body.OutputKey === 'string' ? body.OutputKey : `${name}.json`;
    if (!outputBucket) throw new ServiceError(400, 'BadRequestException', 'This stand-in only writes to a customer bucket (OutputBucketName).');

    let failureReason = jobFailure;
    if (!failureReason) {
      const stored = await s3.send(new GetObjectCommand({ Bucket: media.bucket, Key: media.key })).catch(() => undefined);
      const bytes = stored?.Body ? await stored.Body.transformToByteArray() : undefined;
      failureReason = bytes
        ? wavProblem(bytes, body.MediaSampleRateHertz)
        : "The URI that you provided doesn't point to an S3 object. Make sure that the object exists and try your request again.";
    }
    if (!failureReason) {
      const document = JSON.stringify(transcriptDocument(name, transcript));
      await s3.send(new PutObjectCommand({ Bucket: outputBucket, Key: outputKey, Body: document, ContentType: 'application/json' }));
    }
    const job: StandInJob = { name, request: body, createdAt: Date.now() / 1000, polls: 0, hold: holdJobs, failureReason };
    jobs.set(name, job);
    return { TranscriptionJob: describeJob(job, 'QUEUED') };
  }

  function describeJob(job: StandInJob, status: string): unknown {
    const { request } = job;
    const outputKey = typeof request.OutputKey === 'string' ? request.OutputKey : `${job.name}.json`;
    return {
      TranscriptionJobName: job.name,
      TranscriptionJobStatus: status,
      LanguageCode: request.LanguageCode,
      MediaFormat: request.MediaFormat,
      MediaSampleRateHertz: request.MediaSampleRateHertz,
      Media: request.Media,
      CreationTime: job.createdAt,
      ...(status === 'QUEUED' ? {} : { StartTime: job.createdAt }),
      ...(status === 'COMPLETED'
        ? {
            CompletionTime: Date.now() / 1000,
            Transcript: { TranscriptFileUri: `https://s3.${LOCAL_REGION}.amazonaws.com/${String(request.OutputBucketName)}/${outputKey}` },
          }
        : {}),
      ...(status === 'FAILED' ? { CompletionTime: Date.now() / 1000, FailureReason: job.failureReason } : {}),
    };
  }

  function getTranscriptionJob(body: Record<string, unknown>): unknown {
    const job = jobs.get(String(body.TranscriptionJobName ?? ''));
    if (!job) throw new ServiceError(400, 'BadRequestException', "The requested job couldn't be found. Check the job name and try your request again.");
    job.polls += 1;
    const status = job.hold || job.polls === 1 ? 'IN_PROGRESS' : job.failureReason ? 'FAILED' : 'COMPLETED';
    return { TranscriptionJob: describeJob(job, status) };
  }

  function detectText(body: Record<string, unknown>): unknown {
    const bytes = (body.Image as { Bytes?: unknown } | undefined)?.Bytes;
    if (typeof bytes !== 'string' || bytes.length === 0) throw new ServiceError(400, 'InvalidParameterException', 'Request has invalid parameters');
    const image = Buffer.from(bytes, 'base64');
    if (image.length > 5 * 1024 * 1024) throw new ServiceError(400, 'ImageTooLargeException', 'Image size is too large.');
    const isJpeg = image[0] === 0xff && image[1] === 0xd8;
    const isPng = image.subarray(0, 4).toString('latin1') === '\x89PNG';
    if (!isJpeg && !isPng) throw new ServiceError(400, 'InvalidImageFormatException', 'Request has invalid image format');
    return { TextDetections: textDetections.map((detection, index) => ({ ...detection, Id: index })), TextModelVersion: '3.0' };
  }

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    'Transcribe.StartTranscriptionJob': startTranscriptionJob,
    'Transcribe.GetTranscriptionJob': getTranscriptionJob,
    'RekognitionService.DetectText': detectText,
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const service = target.split('.')[0] ?? '';
    const text = await readBody(request);
    const operation = operations[target];
    if (request.method !== 'POST' || request.url !== '/' || !operation) {
      return answer(response, 400, { __type: 'UnknownOperationException', message: `${target || 'no target'} is not served here` });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return answer(response, 400, { __type: 'SerializationException', message: 'Malformed JSON' });
    }
    requests.push({ target, body, signedFor: signingService(request.headers.authorization) });

    const failure = pendingFailures.shift();
    if (failure) return answer(response, FAILURES[failure].status, { __type: FAILURES[failure].type(service), message: FAILURES[failure].message });
    try {
      answer(response, 200, await operation(body));
    } catch (error) {
      if (error instanceof ServiceError) return answer(response, error.status, { __type: error.type, message: error.message });
      throw error;
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      answer(response, 500, { __type: 'InternalFailureException', message: `stand-in failure: ${String(error)}` }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (count, failure) => pendingFailures.push(...new Array<AwsFailure>(count).fill(failure)),
    failJobs: (reason) => {
      jobFailure = reason;
    },
    holdJobs: (hold) => {
      holdJobs = hold;
    },
    setTextDetections: (detections) => {
      textDetections = detections;
    },
    setTranscript: (words) => {
      transcript = words;
    },
    heal: () => {
      pendingFailures.length = 0;
      jobFailure = undefined;
      holdJobs = false;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        s3?.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
