import createClient, { type Client } from 'openapi-fetch';
import { FrameseekError } from './errors.ts';
import { retryingFetch, type RetryOptions } from './retry.ts';
import type { paths } from './generated/openapi.ts';

export type FrameseekApi = Client<paths>;

export interface FrameseekOptions {
  /** Where the API is, e.g. https://api.example.com (no /v1). */
  baseUrl: string;
  /** An API key (fsk_…) or a session token (fss_…); none for sign-up, login and health. */
  token?: string;
  retry?: RetryOptions;
  /** Another fetch (a proxy agent, a test double); default globalThis.fetch. */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * The typed client: `client.GET('/v1/videos/{video_id}', {params: {path: {video_id}}})` — paths, parameters, bodies
 * and answers are the API's own (types generated from its OpenAPI document). Answers are openapi-fetch's
 * `{data, error, response}`; `unwrap` turns them into the envelope or a FrameseekError.
 */
export function createFrameseek(options: FrameseekOptions): FrameseekApi {
  const fetchOnce = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
    fetch: retryingFetch(fetchOnce, options.retry),
  });
}

/** What every openapi-fetch call answers: either data or error, and the Response. */
export type Outcome<T> = { data: T; error?: never; response: Response } | { data?: never; error: unknown; response: Response };

/**
 * The success body (`{data, meta}` for most routes), or a FrameseekError carrying the API's `detail.code`:
 * `const { data: video } = await unwrap(client.GET('/v1/videos/{video_id}', …))`. For 204 routes use `succeed`.
 */
export async function unwrap<T>(pending: Promise<Outcome<T>>): Promise<NonNullable<T>> {
  const outcome = await pending;
  if (!outcome.response.ok) throw FrameseekError.fromResponse(outcome.response, outcome.error);
  if (outcome.data === undefined || outcome.data === null) {
    throw new FrameseekError(outcome.response.status, 'BAD_RESPONSE', `${outcome.response.url} answered ${outcome.response.status} without a body`);
  }
  return outcome.data;
}

/** For routes that answer 204 (deletes, logout): resolves when the call succeeded, else a FrameseekError. */
export async function succeed(pending: Promise<Outcome<unknown>>): Promise<void> {
  const outcome = await pending;
  if (!outcome.response.ok) throw FrameseekError.fromResponse(outcome.response, outcome.error);
}

/** A fresh key for `Idempotency-Key`: keep it with the request and send the same one on a retry of it. */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

/** The header object for one idempotent call: `client.POST('/v1/uploads', {body, params: {header: idempotent(key)}})`. */
export function idempotent(key: string = newIdempotencyKey()): { 'Idempotency-Key': string } {
  return { 'Idempotency-Key': key };
}
