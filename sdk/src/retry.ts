import { FrameseekError } from './errors.ts';

export interface RetryOptions {
  /** Further attempts after the first (default 3; 0 turns retries off). */
  retries?: number;
  /** Wait before the first retry when the answer names none (default 500 ms; doubles each time). */
  baseDelayMs?: number;
  /** The longest single wait (default 30 s): an answer asking for longer is handed back instead of waited for. */
  maxDelayMs?: number;
}

/** 429 (rate limit) and 503 (briefly unavailable) are refused before any effect (errors.md), so a retry cannot repeat one. */
const RETRIED_STATUSES = new Set([429, 503]);

/**
 * A fetch that retries 429 and 503, waiting as the answer's Retry-After says (seconds or an HTTP date), else
 * with exponential backoff. Bounded both in attempts and in each wait. A network failure becomes a
 * FrameseekError(NETWORK_ERROR) naming the cause, not fetch's bare "fetch failed".
 */
export function retryingFetch(fetchOnce: (request: Request) => Promise<Response>, options: RetryOptions = {}): (request: Request) => Promise<Response> {
  const retries = options.retries ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  return async (request) => {
    for (let attempt = 0; ; attempt += 1) {
      // Each attempt sends a copy: a body can be read only once.
      const response = await fetchOnce(request.clone()).catch((error: unknown) => {
        throw new FrameseekError(0, 'NETWORK_ERROR', `could not reach ${new URL(request.url).origin} (${causeOf(error)})`);
      });
      if (!RETRIED_STATUSES.has(response.status) || attempt >= retries) return response;
      const delayMs = retryAfterMs(response.headers.get('retry-after')) ?? baseDelayMs * 2 ** attempt;
      if (delayMs > maxDelayMs) return response;
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  };
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function causeOf(error: unknown): string {
  // fetch says "fetch failed" and keeps the useful part (ECONNREFUSED …) in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
