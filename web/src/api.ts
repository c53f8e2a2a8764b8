/**
 * The console's only way to the API: the public routes, with the signed-in person's session token.
 * Every error becomes an ApiError carrying the API's own `message`; 401 ends the session (back to
 * log in); 429 waits for Retry-After and tries again, telling the page through `onWait`.
 */
const TOKEN_KEY = 'frameseek.session';
const MAX_RETRIES = 3;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Envelope<T> {
  data: T;
  meta: Record<string, unknown> & { total?: number };
}

type Listener = () => void;
const listeners = { expired: new Set<Listener>(), waiting: new Set<(secs: number) => void>() };

export const session = {
  token: (): string | null => localStorage.getItem(TOKEN_KEY),
  set(token: string): void {
    localStorage.setItem(TOKEN_KEY, token);
  },
  clear(): void {
    localStorage.removeItem(TOKEN_KEY);
  },
  onExpired(listener: Listener): () => void {
    listeners.expired.add(listener);
    return () => listeners.expired.delete(listener);
  },
  onWait(listener: (secs: number) => void): () => void {
    listeners.waiting.add(listener);
    return () => listeners.waiting.delete(listener);
  },
};

export interface CallOptions {
  body?: unknown;
  form?: FormData;
  /** Answer the raw text instead of parsing the envelope (subtitles). */
  text?: boolean;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { detail?: { code?: string; message?: string } };
    return new ApiError(response.status, body.detail?.code ?? 'ERROR', body.detail?.message ?? `The API answered ${response.status}`);
  } catch {
    return new ApiError(response.status, 'ERROR', `The API answered ${response.status} ${response.statusText}`);
  }
}

export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<Envelope<T>> {
  const headers: Record<string, string> = {};
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | FormData | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  for (let attempt = 0; ; attempt += 1) {
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The API could not be reached; check your connection and try again');
    }
    if (response.status === 429 && attempt < MAX_RETRIES) {
      const secs = Math.min(60, Math.max(1, Number(response.headers.get('Retry-After')) || 1));
      for (const listener of listeners.waiting) listener(secs);
      await sleep(secs * 1000);
      for (const listener of listeners.waiting) listener(0);
      continue;
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401 && token) {
        session.clear();
        for (const listener of listeners.expired) listener();
      }
      throw error;
    }
    if (options.text) return { data: (await response.text()) as T, meta: {} };
    if (response.status === 204) return { data: null as T, meta: {} };
    return (await response.json()) as Envelope<T>;
  }
}

/** PUT a file (or part) to a presigned URL, reporting bytes sent; answers the ETag (multipart needs it). */
export function putBytes(url: string, bytes: Blob, contentType: string | undefined, onProgress: (sent: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', url);
    if (contentType) request.setRequestHeader('Content-Type', contentType);
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(bytes.size);
        resolve(request.getResponseHeader('ETag') ?? '');
      } else reject(new ApiError(request.status, 'UPLOAD_FAILED', `Storage refused the bytes (${request.status})`));
    };
    request.onerror = () => reject(new ApiError(0, 'NETWORK', 'The upload was interrupted; try again'));
    request.send(bytes);
  });
}

// The API's shapes, as far as the console reads them.
export interface Account {
  id: string;
  email: string;
  plan: string;
  credits_micros: number;
  usage: { searches_today: number; search_quota: number | null; storage_bytes: number; storage_limit_bytes: number | null };
}
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  permissions: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  key?: string;
}
export interface Collection {
  id: string;
  name: string;
  video_count: number;
  created_at: string;
  thumbnail_urls?: string[];
}
export interface Video {
  id: string;
  filename: string;
  collection_id: string;
  status: string;
  duration_secs: number | null;
  thumbnail_url?: string | null;
  progress_pct?: number | null;
  playback_url?: string;
}
export interface Job {
  id: string;
  status: string;
  stage: string | null;
  progress_pct: number;
  /** Why it failed (the message); the code sits beside it. */
  error: string | null;
  error_code: string | null;
}
export interface Segment {
  timestamp_start: number;
  timestamp_end: number;
  score: number;
  type: string;
  text_content?: string | null;
  thumbnail_url?: string | null;
  video_url: string;
  rank: number;
  hidden: boolean;
}
export interface Hit {
  video_id: string;
  filename: string;
  collection_id: string;
  score: number;
  segments: Segment[];
}
export interface TranscriptLine {
  start: number;
  end: number;
  text: string;
  type: 'speech' | 'ocr';
}
export interface Billing {
  plan: string;
  credits_micros: number;
  payment_method: { brand: string; last4: string } | null;
}
export interface Transaction {
  id: string;
  type: string;
  amount_micros: number;
  balance_after_micros: number;
  description: string;
  created_at: string;
}
export interface PartUrl {
  part_number: number;
  url: string;
}
export interface UploadState {
  upload_id: string;
  status: 'awaiting_bytes' | 'complete' | 'aborted' | 'expired';
  parts_received?: number[];
  multipart?: { part_size: number; parts: PartUrl[] };
}
export interface UploadTicket {
  upload_id: string;
  video_id: string;
  job_id: string;
  url?: string;
  headers?: Record<string, string>;
  multipart?: { part_size: number; parts: PartUrl[] };
}
