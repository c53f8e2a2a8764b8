import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { useClock, useSystemClock } from '#lib/clock';
import { apiHandler } from '#lib/http/api-handler';
import { testRoute } from '#test/support/test-route';
import { CORS_HEADERS, headersOf, REQUEST_ID, useRouteServer } from '#test/support/route-server';
import type { ApiResponse } from '#test/support/api';

// Small limits before sign-in (5 per address, 2 per email a minute); hoisted before config is read.
vi.hoisted(() => {
  process.env.FRAMESEEK_PLAN_OVERRIDES = JSON.stringify({ rate_limits: { auth_per_ip: 5, auth_per_email: 2 } });
});

const signIn = testRoute({
  name: 'signIn',
  method: 'POST',
  writes: true,
  path: '/sign-in',
  entry: 'signIn',
  auth: 'none',
  rateLimit: 'auth',
  successStatus: 201,
  summary: 'sign in',
  request: { body: z.strictObject({ email: z.string().email() }) },
});
const unlimited = testRoute({
  name: 'unlimited',
  method: 'GET',
  writes: false,
  path: '/unlimited',
  entry: 'unlimited',
  auth: 'none',
  successStatus: 200,
  summary: 'x',
  request: {},
});

const api = useRouteServer(
  [
    { route: signIn, handler: apiHandler(signIn, async ({ body }) => ({ data: { email: body.email } })) },
    { route: unlimited, handler: apiHandler(unlimited, async () => ({ data: {} })) },
  ],
  { table: true },
);

/** Every test counts in a window of its own (all requests come from 127.0.0.1), one second into it. */
function freezeInWindow(minutesAhead: number): void {
  const windowStart = (Math.floor(Date.now() / 60_000) + minutesAhead) * 60_000;
  useClock({ now: () => new Date(windowStart + 1_000) });
}
afterEach(() => useSystemClock());

function limitHeaders(limit: number, remaining: number): Record<string, string> {
  return { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': '59' };
}

function expectRateRefusal(response: ApiResponse, limit: number, who: string) {
  expect(response.status).toBe(429);
  expect(response.body).toEqual({
    detail: {
      code: 'RATE_LIMIT_EXCEEDED',
      message: `Over the limit of ${limit} requests per 60 s for ${who} on "auth" routes; retry in 59 s`,
      request_id: expect.stringMatching(REQUEST_ID),
      retry_after: 59,
      limit,
    },
  });
  expect(headersOf(response)).toEqual({
    'content-type': 'application/json',
    'x-request-id': response.body.detail.request_id,
    'retry-after': '59',
    ...limitHeaders(limit, 0),
    ...CORS_HEADERS,
  });
}

describe('sourceAddressRateLimit', () => {
  it('allows 5 requests a minute from one address, then answers 429 with Retry-After', async () => {
    // Arrange
    freezeInWindow(100);
    const responses: ApiResponse[] = [];

    // Act
    for (let index = 0; index < 6; index += 1) responses.push(await api.post('/sign-in', { body: { email: `user${index}@example.com` } }));

    // Assert
    const admitted = responses.slice(0, 5);
    const refused = responses.at(5);
    expect(admitted.map((response) => response.status)).toEqual([201, 201, 201, 201, 201]);
    // Each email is new (1 of 2 left) until the address has fewer left: the tightest decision is in the headers.
    expect(admitted.map((response) => headersOf(response)['x-ratelimit-remaining'] + '/' + headersOf(response)['x-ratelimit-limit'])).toEqual([
      '1/2',
      '1/2',
      '1/2',
      '1/5',
      '0/5',
    ]);
    if (!refused) throw new Error('no sixth response');
    expectRateRefusal(refused, 5, 'this address');
  });

  it('counts a request before its body is read, so broken bodies use up the limit too', async () => {
    // Arrange
    freezeInWindow(102);

    // Act
    const broken = [];
    for (let index = 0; index < 5; index += 1) broken.push((await api.post('/sign-in', { rawBody: '{not json' })).status);
    const valid = await api.post('/sign-in', { body: { email: 'fresh@example.com' } });

    // Assert
    expect(broken).toEqual([400, 400, 400, 400, 400]);
    expectRateRefusal(valid, 5, 'this address');
  });

  it('leaves a route without a rate-limit group uncounted, without X-RateLimit headers', async () => {
    // Arrange
    freezeInWindow(104);

    // Act
    const response = await api.get('/unlimited');

    // Assert
    expect(response.status).toBe(200);
    expect(headersOf(response)).toEqual({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': response.body.meta.request_id, ...CORS_HEADERS });
  });
});

describe('emailAddressRateLimit', () => {
  it('allows 2 requests a minute per email, whatever its case and spacing, and counts other emails apart', async () => {
    // Arrange
    freezeInWindow(106);

    // Act
    const first = await api.post('/sign-in', { body: { email: 'Ann@Example.com' } });
    const second = await api.post('/sign-in', { body: { email: 'ann@example.com' } });
    const third = await api.post('/sign-in', { body: { email: 'ANN@EXAMPLE.COM' } });
    const otherEmail = await api.post('/sign-in', { body: { email: 'bob@example.com' } });

    // Assert
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ data: { email: 'Ann@Example.com' }, meta: { request_id: expect.stringMatching(REQUEST_ID), took_ms: expect.any(Number) } });
    // The tightest decision of the two counts (address 4 left, email 1 left) is the one in the headers.
    expect(headersOf(first)).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': first.body.meta.request_id,
      ...limitHeaders(2, 1),
      ...CORS_HEADERS,
    });
    expect(second.status).toBe(201);
    expectRateRefusal(third, 2, 'this email');
    expect(otherEmail.status).toBe(201);
    expect(headersOf(otherEmail)).toMatchObject(limitHeaders(5, 1));
  });
});
