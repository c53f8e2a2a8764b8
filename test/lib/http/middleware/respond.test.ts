import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiHandler } from '#lib/http/api-handler';
import { testRoute } from '#test/support/test-route';
import { accountWithCredentials, type TestAccount } from '#test/support/accounts';
import { CORS_HEADERS, headersOf, REQUEST_ID, useRouteServer } from '#test/support/route-server';

function publicRoute<const TStatus extends 200 | 201 | 204>(name: string, successStatus: TStatus, extra: { bareJson?: boolean } = {}) {
  return testRoute({ name, method: 'GET', writes: false, path: `/${name}`, entry: name, auth: 'none', successStatus, summary: name, request: {}, ...extra });
}
const found = publicRoute('found', 200);
const started = publicRoute('started', 201);
const removed = publicRoute('removed', 204);
const subtitles = publicRoute('subtitles', 200);
const document = publicRoute('document', 200, { bareJson: true });
const create = testRoute({
  name: 'create',
  method: 'POST',
  writes: true,
  path: '/create',
  entry: 'create',
  auth: 'key',
  idempotent: true,
  successStatus: 201,
  summary: 'create',
  request: { body: z.strictObject({ name: z.string() }) },
});

/** How many times the idempotent handler really ran. */
let created = 0;

const api = useRouteServer(
  [
    { route: found, handler: apiHandler(found, async () => ({ data: { id: 'thg_1' }, meta: { next_cursor: 'abc' } })) },
    { route: started, handler: apiHandler(started, async () => ({ data: { job_id: 'job_1' }, accepted: true })) },
    { route: removed, handler: apiHandler(removed, async () => ({ data: { ignored: true } })) },
    { route: subtitles, handler: apiHandler(subtitles, async () => ({ file: { body: 'WEBVTT\n', contentType: 'text/vtt; charset=utf-8' } })) },
    { route: document, handler: apiHandler(document, async () => ({ data: { openapi: '3.1.0' } })) },
    {
      route: create,
      handler: apiHandler(create, async ({ body }) => {
        created += 1;
        return { data: { name: body.name, number: created } };
      }),
    },
  ],
  { table: true },
);

let account: TestAccount;
beforeAll(async () => {
  account = await accountWithCredentials();
});

describe('respondWith', () => {
  it("answers the route's status with data and meta in the success envelope", async () => {
    // Act
    const response = await api.get('/found');

    // Assert
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: { id: 'thg_1' },
      meta: { request_id: expect.stringMatching(REQUEST_ID), took_ms: expect.any(Number), next_cursor: 'abc' },
    });
    expect(headersOf(response)).toEqual({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': response.body.meta.request_id, ...CORS_HEADERS });
  });

  it('answers 202 for work accepted to continue in the background, and 204 without a body', async () => {
    // Act
    const accepted = await api.get('/started');
    const noContent = await api.get('/removed');

    // Assert
    expect(accepted.status).toBe(202);
    expect(accepted.body.data).toEqual({ job_id: 'job_1' });
    expect(noContent.status).toBe(204);
    expect(noContent.text).toBe('');
    expect(headersOf(noContent)).toEqual({ 'x-request-id': expect.stringMatching(REQUEST_ID), ...CORS_HEADERS });
  });

  it('answers a file as it is, and a bare JSON document without the envelope', async () => {
    // Act
    const file = await api.get('/subtitles');
    const bare = await api.get('/document');

    // Assert
    expect(file.status).toBe(200);
    expect(file.text).toBe('WEBVTT\n');
    expect(headersOf(file)).toEqual({ 'content-type': 'text/vtt; charset=utf-8', 'x-request-id': expect.stringMatching(REQUEST_ID), ...CORS_HEADERS });
    expect(bare.status).toBe(200);
    expect(bare.body).toEqual({ openapi: '3.1.0' });
  });

  it('replays the first answer to a repeat with the same Idempotency-Key, without running the handler again', async () => {
    // Arrange
    const before = created;

    // Act
    const first = await api.post('/create', { token: account.key, body: { name: 'once' }, headers: { 'idempotency-key': 'key-replay' } });
    const repeat = await api.post('/create', { token: account.key, body: { name: 'once' }, headers: { 'idempotency-key': 'key-replay' } });
    const otherKey = await api.post('/create', { token: account.key, body: { name: 'once' }, headers: { 'idempotency-key': 'key-other' } });

    // Assert
    expect(first.status).toBe(201);
    expect(first.body.data).toEqual({ name: 'once', number: before + 1 });
    expect(repeat.status).toBe(201);
    expect(repeat.body.data).toEqual(first.body.data);
    expect(headersOf(repeat)['x-request-id']).toBe(repeat.body.meta.request_id);
    expect(otherKey.body.data).toEqual({ name: 'once', number: before + 2 });
    expect(created).toBe(before + 2);
  });

  it('refuses a key reused with another request, and a key of the wrong length, as VALIDATION_ERROR', async () => {
    // Arrange
    await api.post('/create', { token: account.key, body: { name: 'first' }, headers: { 'idempotency-key': 'key-reused' } });
    const before = created;

    // Act
    const reused = await api.post('/create', { token: account.key, body: { name: 'second' }, headers: { 'idempotency-key': 'key-reused' } });
    const tooLong = await api.post('/create', { token: account.key, body: { name: 'x' }, headers: { 'idempotency-key': 'k'.repeat(256) } });

    // Assert
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({
      detail: {
        code: 'VALIDATION_ERROR',
        message: 'Invalid request: Idempotency-Key: was already used with a different request; use a new key',
        request_id: expect.stringMatching(REQUEST_ID),
        fields: [{ path: 'Idempotency-Key', message: 'was already used with a different request; use a new key' }],
      },
    });
    expect(headersOf(reused)).toEqual({ 'content-type': 'application/json', 'x-request-id': reused.body.detail.request_id, ...CORS_HEADERS });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.detail.fields).toEqual([{ path: 'Idempotency-Key', message: 'must be 1–255 characters' }]);
    expect(created).toBe(before);
  });
});
