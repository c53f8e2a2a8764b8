import { createHash } from 'node:crypto';
import { createServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { describeFrame, FRAME_DESCRIPTOR_DIMENSION } from '#lib/ml/embedders/frame-descriptor';

/**
 * A local Bedrock Runtime that the real SDK talks to: `POST /model/{modelId}/invoke` with a Titan
 * Multimodal Embeddings body, answered with a deterministic embedding. Pictures are described by
 * the frame descriptor (so a crop still finds its frame through Bedrock); a text naming a colour
 * lands on a picture of that colour, any other text on a vector from its hash. Errors come back as
 * Bedrock sends them: the status and `x-amzn-errortype`, with `{"message"}`.
 *
 * It speaks HTTP/2 (cleartext, prior knowledge): the SDK's Bedrock Runtime client sends every
 * operation over its HTTP/2 handler, as it needs HTTP/2 for the bidirectional streaming ones.
 */
export const TITAN_MODEL_ID = 'amazon.titan-embed-image-v1';

export type BedrockFailure = 'throttling' | 'unavailable';

export interface BedrockRequest {
  modelId: string;
  body: Record<string, unknown>;
  signed: boolean;
}

export interface RunningBedrockStandIn {
  url: string;
  /** Every request received, in order (failed ones too). */
  requests: BedrockRequest[];
  /** The next `count` requests fail this way; then answers resume. */
  failNext(count: number, failure: BedrockFailure): void;
  /** Drops the failures still queued. */
  heal(): void;
  stop(): Promise<void>;
}

const FAILURES: Record<BedrockFailure, { status: number; type: string; message: string }> = {
  throttling: { status: 429, type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
  unavailable: { status: 503, type: 'ServiceUnavailableException', message: 'Bedrock is unable to process your request.' },
};

const EMBEDDING_LENGTHS = [256, 384, 1024];

const COLOUR_WORDS: Record<string, string> = {
  red: '#e01010',
  green: '#10c020',
  blue: '#1020e0',
  yellow: '#f0e020',
  white: '#ffffff',
  black: '#000000',
};

/** Deterministic signs, so the repeated descriptor does not look like a plain copy; cosines survive exactly for 256 and 1024. */
function spread(descriptor: Float32Array, length: number): number[] {
  return Array.from({ length }, (_, index) => (descriptor[index % FRAME_DESCRIPTOR_DIMENSION] ?? 0) * (index % 7 === 3 ? -1 : 1) * 3.5);
}

function hashedVector(text: string, length: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < length; block++) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let byte = 0; byte < digest.length && values.length < length; byte++) values.push((digest[byte] ?? 0) / 127.5 - 1);
  }
  return values;
}

async function embedding(body: Record<string, unknown>, length: number): Promise<number[]> {
  if (typeof body.inputImage === 'string') return spread(await describeFrame(Buffer.from(body.inputImage, 'base64')), length);
  const text = String(body.inputText);
  const colour = Object.keys(COLOUR_WORDS).find((word) => new RegExp(`\\b${word}\\b`, 'i').test(text));
  if (colour) {
    const picture = await sharp({ create: { width: 64, height: 64, channels: 3, background: COLOUR_WORDS[colour] ?? '#000000' } })
      .png()
      .toBuffer();
    return spread(await describeFrame(picture), length);
  }
  return hashedVector(text, length);
}

function answer(response: Http2ServerResponse, status: number, body: unknown, errorType?: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 32),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(JSON.stringify(body));
}

async function readBody(request: Http2ServerRequest): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startBedrockStandIn(): Promise<RunningBedrockStandIn> {
  const requests: BedrockRequest[] = [];
  const pendingFailures: BedrockFailure[] = [];

  async function handle(request: Http2ServerRequest, response: Http2ServerResponse): Promise<void> {
    const route = /^\/model\/([^/]+)\/invoke$/.exec(request.url ?? '');
    if (request.method !== 'POST' || !route) return answer(response, 404, { message: 'Not found' }, 'UnknownOperationException');
    const modelId = decodeURIComponent(route[1] ?? '');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(request)) as Record<string, unknown>;
    } catch {
      return answer(response, 400, { message: 'Malformed input request, please reformat your input and try again.' }, 'ValidationException');
    }
    requests.push({ modelId, body, signed: String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256') });

    const failure = pendingFailures.shift();
    if (failure) return answer(response, FAILURES[failure].status, { message: FAILURES[failure].message }, FAILURES[failure].type);
    if (modelId !== TITAN_MODEL_ID) return answer(response, 400, { message: 'The provided model identifier is invalid.' }, 'ValidationException');
    const config = body.embeddingConfig as { outputEmbeddingLength?: unknown } | undefined;
    const length = config?.outputEmbeddingLength ?? 1024;
    if (typeof length !== 'number' || !EMBEDDING_LENGTHS.includes(length)) {
      return answer(response, 400, { message: 'Malformed input request: outputEmbeddingLength must be 256, 384 or 1024' }, 'ValidationException');
    }
    if (typeof body.inputText !== 'string' && typeof body.inputImage !== 'string') {
      return answer(response, 400, { message: 'Malformed input request: provide inputText or inputImage' }, 'ValidationException');
    }
    try {
      const vector = await embedding(body, length);
      answer(response, 200, {
        embedding: vector,
        inputTextTokenCount: typeof body.inputText === 'string' ? body.inputText.split(/\s+/).length : 0,
        message: null,
      });
    } catch {
      answer(response, 400, { message: 'Unable to process the input image.' }, 'ValidationException');
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => answer(response, 500, { message: 'stand-in failure' }, 'InternalServerException'));
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (count, failure) => pendingFailures.push(...new Array<BedrockFailure>(count).fill(failure)),
    heal: () => {
      pendingFailures.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        for (const session of sessions) session.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
