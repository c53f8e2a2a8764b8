import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, inject } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime';

/** The real local runtime for one test file, on a random port, over the shared stand-ins. */
export async function startTestApi(): Promise<LocalRuntime> {
  const { FRAMESEEK_TABLE_NAME: tableName, FRAMESEEK_S3_ENDPOINT: s3Endpoint, FRAMESEEK_MEDIA_BUCKET: bucket, FRAMESEEK_TEST_DATA_DIR: dataDir } = process.env;
  if (!tableName || !s3Endpoint || !bucket || !dataDir) throw new Error('per-file-env did not run');
  return startLocalRuntime({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    tableName,
    bucket,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    s3Port: Number(new URL(s3Endpoint).port),
    indexRetryDelayMs: 200,
  });
}

/** Parsed JSON as tests read it: any property may be drilled into; assertions check the values. */
export interface Json {
  readonly [key: string]: Json;
}

/** A JSON array from a response, as an array (fails loudly when it is not one). */
export function list(value: Json | undefined): Json[] {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Starts the runtime before this file's tests and stops it after; returns a client whose
 * calls go to it over HTTP.
 */
export function useTestApi(): Client & { runtime: () => LocalRuntime } {
  let runtime: LocalRuntime | undefined;
  beforeAll(async () => {
    runtime = await startTestApi();
  });
  afterAll(() => runtime?.stop());
  const running = () => {
    if (!runtime) throw new Error('the test runtime is not running yet');
    return runtime;
  };
  return Object.assign(
    client(() => running().url),
    { runtime: running },
  );
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body ({} when there was none or it was not JSON: `text` has it). */
  body: Json;
  text: string;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** A multipart/form-data body (fetch sets the boundary). */
  form?: FormData;
  rawBody?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A tiny HTTP client for the tests: every call goes over the network to the runtime. */
export function client(baseUrl: string | (() => string)) {
  const base = typeof baseUrl === 'string' ? () => baseUrl : baseUrl;
  async function call(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | FormData | undefined;
    if (options.form !== undefined) body = options.form;
    else if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (typeof body === 'string') headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${base()}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: Json = {};
    try {
      if (text) parsed = JSON.parse(text) as Json;
    } catch {
      // not JSON: the test reads `text`
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }
  return {
    call,
    get: (path: string, options?: RequestOptions) => call('GET', path, options),
    post: (path: string, options?: RequestOptions) => call('POST', path, options),
    patch: (path: string, options?: RequestOptions) => call('PATCH', path, options),
    put: (path: string, options?: RequestOptions) => call('PUT', path, options),
    delete: (path: string, options?: RequestOptions) => call('DELETE', path, options),
  };
}

export type Client = ReturnType<typeof client>;

let accounts = 0;
export const PASSWORD = 'correct horse battery staple';

/** Signs up a fresh account; returns its session token and id. */
export async function signUp(api: Client, email?: string): Promise<{ token: string; accountId: string; email: string }> {
  accounts += 1;
  const address = email ?? `user${accounts}-${Date.now()}@example.com`;
  const response = await api.post('/v1/auth/signup', { body: { email: address, password: PASSWORD } });
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${response.text}`);
  return { token: String(response.body.data.session.token), accountId: String(response.body.data.account.id), email: address };
}

export async function createKey(api: Client, sessionToken: string, permissions: 'all' | 'read_only' = 'all'): Promise<{ id: string; key: string }> {
  const response = await api.post('/v1/api_keys', { token: sessionToken, body: { name: `key-${permissions}`, permissions } });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${response.text}`);
  return { id: String(response.body.data.id), key: String(response.body.data.key) };
}

/** The `detail` of an error envelope. */
export function errorOf(response: ApiResponse): Json {
  return response.body.detail;
}

/** Waits until a job is `done` or `failed` (indexing included) and returns it. */
export async function finishedJob(api: Client, token: string, jobId: string, timeoutMs = 120_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const job = await api.get(`/v1/jobs/${jobId}`, { token });
    // A server with the default rate limits (a spawned `npm start`) may ask the poller to slow down.
    const waitMs = job.status === 429 ? Number(job.headers.get('retry-after') ?? 1) * 1000 : 200;
    if (job.status === 200 && ['done', 'failed'].includes(String(job.body.data.status))) return job.body.data;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  throw new Error(`job ${jobId} did not finish within ${timeoutMs} ms`);
}

/** Polls a job as a client would, until it leaves `queued` (ingest has decided). */
export async function settledJob(api: Client, token: string, jobId: string): Promise<Json> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const job = await api.get(`/v1/jobs/${jobId}`, { token });
    if (String(job.body.data.status) !== 'queued') return job.body.data;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${jobId} never left queued`);
}

const VIDEO_TYPES = { mp4: 'video/mp4', webm: 'video/webm', mkv: 'video/x-matroska' } as const;

/** Uploads a generated video (mp4, webm or mkv) through a presigned PUT and waits until its job is done or failed. */
export async function uploadAndIndex(
  api: Client,
  token: string,
  collectionId: string,
  path: string,
  timeoutMs = 200_000,
): Promise<{ videoId: string; jobId: string; job: Json }> {
  const extension = path.split('.').pop() ?? '';
  if (!(extension in VIDEO_TYPES)) throw new Error(`no content type for ${path}`);
  const contentType = VIDEO_TYPES[extension as keyof typeof VIDEO_TYPES];
  const bytes = await readFile(path);
  const ticket = await api.post('/v1/uploads', {
    token,
    body: { collection_id: collectionId, filename: `talk.${extension}`, size_bytes: bytes.length, content_type: contentType },
  });
  if (ticket.status !== 201) throw new Error(`upload refused: ${ticket.status} ${JSON.stringify(ticket.body)}`);
  const stored = await fetch(String(ticket.body.data.url), { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': contentType } });
  if (stored.status !== 200) throw new Error(`presigned PUT answered ${stored.status}`);
  const jobId = String(ticket.body.data.job_id);
  return { videoId: String(ticket.body.data.video_id), jobId, job: await finishedJob(api, token, jobId, timeoutMs) };
}

/** The videos of a search answer, best first. */
export function videosOf(response: ApiResponse): Json[] {
  return list(response.body.data);
}

/** The segments of one video of a search answer, as ranked. */
export function segmentsOf(video: Json | undefined): Json[] {
  return list(video?.segments);
}
