import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFrameseek, FrameseekError, retryAfterMs, unwrap } from '#sdk/index';
import { signUp, useTestApi } from '#test/support/api';
import { useClock, useSystemClock } from '#lib/clock';

// Two collection reads a minute, everything else raised as in the rest of the suite. Hoisted: before the
// imports above parse the configuration.
vi.hoisted(() => {
  const raised = JSON.parse(process.env.FRAMESEEK_PLAN_OVERRIDES ?? '{}');
  raised.rate_limits.per_minute.collections_read = 2;
  process.env.FRAMESEEK_PLAN_OVERRIDES = JSON.stringify(raised);
});
const api = useTestApi();
afterEach(() => useSystemClock());

/** A clock running at real speed that stands `secsIntoWindow` into a fixed rate-limit window a few minutes ahead. */
function runClockFrom(minutesAhead: number, secsIntoWindow: number): void {
  const windowStart = (Math.floor(Date.now() / 60_000) + minutesAhead) * 60_000;
  const offset = windowStart + secsIntoWindow * 1000 - Date.now();
  useClock({ now: () => new Date(Date.now() + offset) });
}

/** A fetch that passes everything to the network and notes each answer's status. */
function recordingFetch(): { statuses: number[]; fetch: (request: Request) => Promise<Response> } {
  const statuses: number[] = [];
  return {
    statuses,
    fetch: async (request) => {
      const response = await fetch(request);
      statuses.push(response.status);
      return response;
    },
  };
}

describe('retries on 429', () => {
  it('waits as Retry-After says and gets the answer in the next window', { timeout: 30_000 }, async () => {
    const { token } = await signUp(api);
    runClockFrom(5, 58.5);
    const recording = recordingFetch();
    const client = createFrameseek({ baseUrl: api.runtime().url, token, fetch: recording.fetch });
    await unwrap(client.GET('/v1/collections'));
    await unwrap(client.GET('/v1/collections'));
    const started = Date.now();

    const third = await unwrap(client.GET('/v1/collections'));

    expect(third.meta.total).toBe(0);
    expect(recording.statuses).toEqual([200, 200, 429, 200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('hands the 429 back as RATE_LIMIT_EXCEEDED when Retry-After is past its bound', async () => {
    const { token } = await signUp(api);
    runClockFrom(10, 1);
    const recording = recordingFetch();
    const client = createFrameseek({ baseUrl: api.runtime().url, token, fetch: recording.fetch, retry: { maxDelayMs: 5_000 } });
    await unwrap(client.GET('/v1/collections'));
    await unwrap(client.GET('/v1/collections'));

    const error = await unwrap(client.GET('/v1/collections')).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(FrameseekError);
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED', detail: { retry_after: 59 } });
    expect(recording.statuses).toEqual([200, 200, 429]);
  });
});

describe('retries on 503 and the reading of Retry-After', () => {
  it('retries a 503 with backoff when no Retry-After is given, at most `retries` times', async () => {
    const statuses = [503, 503, 200];
    let calls = 0;
    const client = createFrameseek({
      baseUrl: 'http://frameseek.invalid',
      retry: { baseDelayMs: 10, retries: 2 },
      fetch: async () => new Response(JSON.stringify({ data: { status: 'ok', version: 'x' }, meta: {} }), { status: statuses[calls++] ?? 500 }),
    });

    const answer = await unwrap(client.GET('/v1/health'));

    expect(answer.data.status).toBe('ok');
    expect(calls).toBe(3);
  });

  it('reads delta-seconds and HTTP dates, and ignores what is neither', () => {
    const now = Date.UTC(2026, 11, 7, 12, 0, 0);

    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(new Date(now + 3000).toUTCString(), now)).toBe(3000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
