import { ApiError, CliError } from './errors.ts';
import { isRecord, parseJson } from './json.ts';

/** The parts of the API's answers the CLI relies on (contract, Uploads and Jobs). */
export interface UploadIds {
  upload_id: string;
  video_id: string;
  job_id: string;
}

export interface PartUrl {
  part_number: number;
  url: string;
}

export interface Multipart {
  part_size: number;
  parts: PartUrl[];
}

export interface UploadTicket extends UploadIds {
  url?: string;
  headers?: Record<string, string>;
  multipart?: Multipart;
}

export type UploadStatus = 'awaiting_bytes' | 'complete' | 'aborted' | 'expired';

export interface UploadState extends UploadIds {
  status: UploadStatus;
  parts_received?: number[];
  multipart?: Multipart;
}

export interface Job {
  job_id: string;
  status: string;
  error: { code: string; message: string } | null;
}

export interface DeclaredUpload {
  collection_id: string;
  filename: string;
  size_bytes: number;
  content_type: string;
}

export interface PartEtag {
  part_number: number;
  etag: string;
}

/** A JSON client of the Frameseek API authenticated with an API key. */
export class ApiClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async createUpload(declared: DeclaredUpload, idempotencyKey: string): Promise<UploadTicket> {
    const data = record(await this.request('POST', '/v1/uploads', declared, { 'Idempotency-Key': idempotencyKey }), 'upload');
    return {
      ...uploadIds(data),
      ...(data.url === undefined ? {} : { url: string(data, 'url') }),
      ...(data.headers === undefined ? {} : { headers: stringMap(data.headers, 'headers') }),
      ...(data.multipart === undefined ? {} : { multipart: multipart(data.multipart) }),
    };
  }

  async getUpload(uploadId: string): Promise<UploadState> {
    const data = record(await this.request('GET', `/v1/uploads/${encodeURIComponent(uploadId)}`), 'upload');
    return {
      ...uploadIds(data),
      status: uploadStatus(data.status),
      ...(data.parts_received === undefined ? {} : { parts_received: array(data.parts_received, 'parts_received').map((n) => integer(n, 'part')) }),
      ...(data.multipart === undefined ? {} : { multipart: multipart(data.multipart) }),
    };
  }

  async completeUpload(uploadId: string, parts: PartEtag[] | undefined): Promise<void> {
    await this.request('POST', `/v1/uploads/${encodeURIComponent(uploadId)}/complete`, parts === undefined ? {} : { parts });
  }

  async abortUpload(uploadId: string): Promise<void> {
    await this.request('DELETE', `/v1/uploads/${encodeURIComponent(uploadId)}`);
  }

  async getJob(jobId: string): Promise<Job> {
    const data = record(await this.request('GET', `/v1/jobs/${encodeURIComponent(jobId)}`), 'job');
    const error = data.error === null || data.error === undefined ? null : record(data.error, 'job error');
    return {
      job_id: string(data, 'job_id'),
      status: string(data, 'status'),
      error: error === null ? null : { code: string(error, 'code'), message: string(error, 'message') },
    };
  }

  /** Sends one call and returns the envelope's `data`; an error envelope becomes an ApiError. */
  private async request(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept: 'application/json', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new CliError('API_UNREACHABLE', `could not reach the API at ${this.baseUrl} (${describeCause(error)}); check --api-url or FRAMESEEK_API_URL`);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) throw apiError(response.status, parsed, text);
    if (response.status === 204) return null;
    if (!isRecord(parsed) || !('data' in parsed)) throw new CliError('BAD_RESPONSE', `${method} ${path} answered ${response.status} without a JSON envelope`);
    return parsed.data;
  }
}

function apiError(status: number, parsed: unknown, text: string): ApiError {
  const detail = isRecord(parsed) && isRecord(parsed.detail) ? parsed.detail : undefined;
  if (detail && typeof detail.code === 'string' && typeof detail.message === 'string') {
    // The request id is what support (or the server log) needs to find this failure.
    const requestId = typeof detail.request_id === 'string' ? ` (request_id ${detail.request_id})` : '';
    return new ApiError(status, detail.code, `${detail.message}${requestId}`);
  }
  // Not our envelope (a proxy, or the wrong --api-url): show the start of what came back.
  return new ApiError(status, `HTTP_${status}`, text.slice(0, 200) || 'no body');
}

function describeCause(error: unknown): string {
  // fetch reports "fetch failed" and keeps the useful part (ECONNREFUSED…) in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

// Small readers: answers are checked for exactly the fields used, so a changed API fails with a
// message naming the field instead of an undefined deep inside the upload flow.

function unexpected(what: string): CliError {
  return new CliError('BAD_RESPONSE', `the API answered an unexpected ${what}`);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw unexpected(what);
  return value;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw unexpected(what);
  return value;
}

function string(data: Record<string, unknown>, key: string): string {
  const value = data[key];
  if (typeof value !== 'string') throw unexpected(key);
  return value;
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw unexpected(what);
  return value;
}

function stringMap(value: unknown, what: string): Record<string, string> {
  const data = record(value, what);
  return Object.fromEntries(Object.keys(data).map((key) => [key, string(data, key)]));
}

function uploadIds(data: Record<string, unknown>): UploadIds {
  return { upload_id: string(data, 'upload_id'), video_id: string(data, 'video_id'), job_id: string(data, 'job_id') };
}

function multipart(value: unknown): Multipart {
  const data = record(value, 'multipart');
  return {
    part_size: integer(data.part_size, 'part_size'),
    parts: array(data.parts, 'parts').map((item) => {
      const part = record(item, 'part');
      return { part_number: integer(part.part_number, 'part_number'), url: string(part, 'url') };
    }),
  };
}

function uploadStatus(value: unknown): UploadStatus {
  if (value === 'awaiting_bytes' || value === 'complete' || value === 'aborted' || value === 'expired') return value;
  throw unexpected(`upload status ${JSON.stringify(value)}`);
}
