import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { useClock, useSystemClock } from '#lib/clock';
import { AppError } from '#lib/errors';
import { apiHandler } from '#lib/http/api-handler';
import { testRoute } from '#test/support/test-route';
import { accountWithCredentials } from '#test/support/accounts';
import { CORS_HEADERS, headersOf, REQUEST_ID, useRouteServer } from '#test/support/route-server';
import type { ApiResponse } from '#test/support/api';

// Small account limits for two groups, so a test reaches them in a few requests; hoisted before config is read.
vi.hoisted(() => {
  process.env.FRAMESEEK_PLAN_OVERRIDES = JSON.stringify({ rate_limits: { per_minute: { collections_read: 2, search: 2 } } });
});

const read = testRoute({
  name: 'read',
  method: 'GET',
  writes: false,
  path: '/read',
  entry: 'read',
  auth: 'key',
  rateLimit: 'collections_read',
  successStatus: 200,
  summary: 'read',
  request: { query: z.strictObject({ page: z.coerce.number().int().positive().optional() }) },
});
const write = testRoute({
  name: 'write',
  method: 'POST',
  writes: true,
  path: '/write',
  entry: 'write',
  auth: 'key',
  successStatus: 201,
  summary: 'write',
  request: { body: z.strictObject({ name: z.string() }) },
});
const manage = testRoute({
  name: 'manage',
  method: 'GET',
  writes: false,
  path: '/manage',
  entry: 'manage',
  auth: 'session',
  successStatus: 200,
  summary: 'manage',
  request: {},
});
/** Starts while its count is in flight and finds nothing: a refusal by the count must answer instead. */
const lookup = testRoute({
  name: 'lookup',
  method: 'GET',
  writes: false,
  path: '/lookup',
  entry: 'lookup',
  auth: 'key',
  rateLimit: 'search',
  startsBeforeRateDecision: true,
  successStatus: 200,
  summary: 'lookup',
  request: {},
});

const whoAmI = async ({ principal }: { principal: { kind: string; accountId: string; permissions: string } }) => ({
  data: { kind: principal.kind, account_id: principal.accountId, permissions: principal.permissions },
});
const api = useRouteServer(
  [
    { route: read, handler: apiHandler(read, whoAmI) },
    { route: write, handler: apiHandler(write, whoAmI) },
    { route: manage, handler: apiHandler(manage, whoAmI) },
    {
      route: lookup,
      handler: apiHandler(lookup, async () => {
        throw new AppError('COLLECTION_NOT_FOUND');
      }),
    },
  ],
  { table: true },
);

// Every request of the file lands in one rate-limit window: the clock stands one second into it.
beforeAll(() => {
  const windowStart = (Math.floor(Date.now() / 60_000) + 1) * 60_000;
  useClock({ now: () => new Date(windowStart + 1_000) });
});
afterAll(() => useSystemClock());

function expectRefusal(response: ApiResponse, status: number, detail: Record<string, unknown>, headers: Record<string, string> = {}) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ detail: { request_id: expect.stringMatching(REQUEST_ID), ...detail } });
  expect(headersOf(response)).toEqual({ 'content-type': 'application/json', 'x-request-id': response.body.detail.request_id, ...CORS_HEADERS, ...headers });
}

const UNAUTHORIZED = { code: 'UNAUTHORIZED', message: 'Missing or malformed credential: send Authorization: Bearer <API key or session token>' };

describe('authentication', () => {
  it('answers UNAUTHORIZED without a credential or with a malformed one, before the body is read (step 2 before 5)', async () => {
    // Act
    const missing = await api.post('/write', { rawBody: '{broken' });
    const basic = await api.get('/manage', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    const misshapen = await api.get('/manage', { token: 'not-a-token' });

    // Assert
    expectRefusal(missing, 401, UNAUTHORIZED);
    expectRefusal(basic, 401, UNAUTHORIZED);
    expectRefusal(misshapen, 401, UNAUTHORIZED);
  });

  it('answers INVALID_API_KEY and SESSION_EXPIRED for well-formed credentials nobody issued', async () => {
    // Act
    const key = await api.post('/write', { token: `fsk_${'a'.repeat(32)}`, body: { name: 'x' } });
    const session = await api.get('/manage', { token: `fss_${'a'.repeat(32)}` });

    // Assert
    expectRefusal(key, 401, { code: 'INVALID_API_KEY', message: 'This API key does not exist or has been revoked' });
    expectRefusal(session, 401, { code: 'SESSION_EXPIRED', message: 'This session has expired or was logged out; sign in again' });
  });

  it('hands the handler the principal of a session or an API key', async () => {
    // Arrange
    const account = await accountWithCredentials();

    // Act
    const bySession = await api.get('/manage', { token: account.sessionToken });
    const byKey = await api.post('/write', { token: account.key, body: { name: 'x' } });

    // Assert
    expect(bySession.status).toBe(200);
    expect(bySession.body).toEqual({
      data: { kind: 'session', account_id: account.accountId, permissions: 'all' },
      meta: { request_id: expect.stringMatching(REQUEST_ID), took_ms: expect.any(Number) },
    });
    expect(headersOf(bySession)).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': bySession.body.meta.request_id,
      ...CORS_HEADERS,
    });
    expect(byKey.status).toBe(201);
    expect(byKey.body.data).toEqual({ kind: 'api_key', account_id: account.accountId, permissions: 'all' });
  });

  it('answers FORBIDDEN for an API key on a session route and a read-only key on a write route (step 3)', async () => {
    // Arrange
    const account = await accountWithCredentials();

    // Act
    const keyOnSessionRoute = await api.get('/manage', { token: account.key });
    const readOnlyWrite = await api.post('/write', { token: account.readOnlyKey, body: { unknown: 'field' } });
    const readOnlyRead = await api.get('/read', { token: account.readOnlyKey });

    // Assert
    expectRefusal(keyOnSessionRoute, 403, {
      code: 'FORBIDDEN',
      message: 'This route needs a signed-in session; API keys cannot manage keys, billing or the account',
    });
    expectRefusal(readOnlyWrite, 403, { code: 'FORBIDDEN', message: 'This API key is read-only; use a key with "all" permissions to make changes' });
    expect(readOnlyRead.status).toBe(200);
    expect(readOnlyRead.body.data.permissions).toBe('read_only');
  });

  it('refuses every credential of an account being deleted', async () => {
    // Arrange
    const account = await accountWithCredentials({ status: 'deleting' });

    // Act
    const byKey = await api.post('/write', { token: account.key, body: { name: 'x' } });
    const bySession = await api.get('/manage', { token: account.sessionToken });

    // Assert
    expectRefusal(byKey, 401, { code: 'INVALID_API_KEY', message: 'This API key does not exist or has been revoked' });
    expectRefusal(bySession, 401, { code: 'SESSION_EXPIRED', message: 'This session has expired or was logged out; sign in again' });
  });

  it("counts the account's requests per group and answers 429 with Retry-After over the limit, before validation (step 4 before 6)", async () => {
    // Arrange
    const account = await accountWithCredentials();

    // Act
    const first = await api.get('/read', { token: account.key });
    const second = await api.get('/read', { token: account.readOnlyKey });
    const third = await api.get('/read?page=-1', { token: account.sessionToken });

    // Assert
    expect(first.status).toBe(200);
    expect(headersOf(first)).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': first.body.meta.request_id,
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset': '59',
      ...CORS_HEADERS,
    });
    expect(second.status).toBe(200);
    expect(headersOf(second)['x-ratelimit-remaining']).toBe('0');
    expectRefusal(
      third,
      429,
      {
        code: 'RATE_LIMIT_EXCEEDED',
        message: 'Over the limit of 2 requests per 60 s for this account on "collections_read" routes; retry in 59 s',
        retry_after: 59,
        limit: 2,
      },
      { 'retry-after': '59', 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '59' },
    );
  });

  it('answers the refusal of the count instead of whatever a route that started before it found', async () => {
    // Arrange
    const account = await accountWithCredentials();

    // Act
    const statuses = [];
    for (let attempt = 0; attempt < 2; attempt += 1) statuses.push((await api.get('/lookup', { token: account.key })).status);
    const over = await api.get('/lookup', { token: account.key });

    // Assert
    expect(statuses).toEqual([404, 404]);
    expect(over.status).toBe(429);
    expect(over.body.detail).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', retry_after: 59, limit: 2 });
    expect(headersOf(over)).toMatchObject({ 'retry-after': '59', 'x-ratelimit-remaining': '0' });
  });
});
