import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiHandler } from '#lib/http/api-handler';
import { testRoute } from '#test/support/test-route';
import { CORS_HEADERS, headersOf, REQUEST_ID, useRouteServer } from '#test/support/route-server';

const rename = testRoute({
  name: 'rename',
  method: 'PATCH',
  writes: true,
  path: '/things/{thing_id}',
  entry: 'rename',
  auth: 'none',
  successStatus: 200,
  summary: 'rename',
  request: {
    params: z.strictObject({ thing_id: z.string().regex(/^thg_\w+$/) }),
    query: z.strictObject({ dry_run: z.enum(['true', 'false']).optional() }),
    body: z.strictObject({ name: z.string().min(1).max(10) }),
  },
});
const plain = testRoute({
  name: 'plain',
  method: 'GET',
  writes: false,
  path: '/plain',
  entry: 'plain',
  auth: 'none',
  successStatus: 200,
  summary: 'plain',
  request: {},
});
const attach = testRoute({
  name: 'attach',
  method: 'POST',
  writes: true,
  path: '/attach',
  entry: 'attach',
  auth: 'none',
  successStatus: 201,
  summary: 'attach',
  multipart: { fileFields: ['file'], maxFileBytes: 1024 },
  request: { body: z.strictObject({ title: z.string() }) },
});

const api = useRouteServer([
  { route: rename, handler: apiHandler(rename, async ({ params, query, body }) => ({ data: { params, query, body } })) },
  { route: plain, handler: apiHandler(plain, async () => ({ data: { plain: true } })) },
  {
    route: attach,
    handler: apiHandler(attach, async ({ body, files }) => ({
      data: { body, files: Object.fromEntries(Object.entries(files).map(([name, file]) => [name, file.bytes.toString('utf8')])) },
    })),
  },
]);

/** The whole error answer of this chain: the envelope, and only the headers every answer carries. */
function expectRefusal(response: Awaited<ReturnType<typeof api.get>>, status: number, detail: Record<string, unknown>) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ detail: { request_id: expect.stringMatching(REQUEST_ID), ...detail } });
  expect(headersOf(response)).toEqual({ 'content-type': 'application/json', 'x-request-id': response.body.detail.request_id, ...CORS_HEADERS });
}

describe('requestValidation', () => {
  it('hands the handler path, query and body as validated', async () => {
    // Act
    const response = await api.patch('/things/thg_1?dry_run=true', { body: { name: 'new name' } });

    // Assert
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: { params: { thing_id: 'thg_1' }, query: { dry_run: 'true' }, body: { name: 'new name' } },
      meta: { request_id: expect.stringMatching(REQUEST_ID), took_ms: expect.any(Number) },
    });
    expect(headersOf(response)).toEqual({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': response.body.meta.request_id, ...CORS_HEADERS });
  });

  it('answers BAD_REQUEST for a body that is not JSON', async () => {
    // Act
    const response = await api.patch('/things/thg_1', { rawBody: '{"name": ' });

    // Assert
    expectRefusal(response, 400, { code: 'BAD_REQUEST', message: 'The request body is not valid JSON' });
  });

  it('answers BAD_REQUEST for another content type, before looking at the shape (step 5 before 6)', async () => {
    // Act
    const response = await api.patch('/things/not-an-id', { rawBody: 'name=x', contentType: 'application/x-www-form-urlencoded' });

    // Assert
    expectRefusal(response, 400, { code: 'BAD_REQUEST', message: 'This route takes Content-Type: application/json (got application/x-www-form-urlencoded)' });
  });

  it('answers VALIDATION_ERROR naming every field that is wrong, in path, query and body', async () => {
    // Act
    const badPath = await api.patch('/things/not-an-id', { body: { name: 'ok' } });
    const badQuery = await api.patch('/things/thg_1?dry_run=maybe', { body: { name: 'ok' } });
    const badBody = await api.patch('/things/thg_1', { body: { name: 'far too long a name', colour: 'red' } });

    // Assert
    expectRefusal(badPath, 422, {
      code: 'VALIDATION_ERROR',
      message: expect.stringMatching(/^Invalid request: thing_id: /),
      fields: [{ path: 'thing_id', message: expect.any(String) }],
    });
    expectRefusal(badQuery, 422, {
      code: 'VALIDATION_ERROR',
      message: expect.stringMatching(/^Invalid request: dry_run: /),
      fields: [{ path: 'dry_run', message: expect.any(String) }],
    });
    expectRefusal(badBody, 422, {
      code: 'VALIDATION_ERROR',
      message: expect.stringMatching(/^Invalid request: name: .*; colour: unknown field$/),
      fields: [
        { path: 'name', message: expect.any(String) },
        { path: 'colour', message: 'unknown field' },
      ],
    });
  });

  it('refuses query parameters on a route that takes none', async () => {
    // Act
    const response = await api.get('/plain?page=2&sort=asc');

    // Assert
    expectRefusal(response, 422, {
      code: 'VALIDATION_ERROR',
      message: 'This route takes no query parameters (got page, sort)',
      fields: [
        { path: 'page', message: 'unknown query parameter' },
        { path: 'sort', message: 'unknown query parameter' },
      ],
    });
  });

  it('parses a multipart form: fields validated as the body, files handed aside', async () => {
    // Arrange
    const form = new FormData();
    form.append('title', 'holiday');
    form.append('file', new Blob(['frame bytes']), 'clip.mp4');

    // Act
    const response = await api.post('/attach', { form });

    // Assert
    expect(response.status).toBe(201);
    expect(response.body.data).toEqual({ body: { title: 'holiday' }, files: { file: 'frame bytes' } });
  });

  it("takes a form route's fields urlencoded too, repeated names as a list, no files", async () => {
    // Act
    const response = await api.post('/attach', { rawBody: 'title=holiday+in+Rome', contentType: 'application/x-www-form-urlencoded' });
    const repeated = await api.post('/attach', { rawBody: 'title=a&title=b', contentType: 'application/x-www-form-urlencoded' });

    // Assert
    expect(response.status).toBe(201);
    expect(response.body.data).toEqual({ body: { title: 'holiday in Rome' }, files: {} });
    expectRefusal(repeated, 422, {
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('title'),
      fields: [{ path: 'title', message: expect.any(String) }],
    });
  });

  it('refuses a multipart route without a multipart body, and a file field it does not take', async () => {
    // Arrange
    const form = new FormData();
    form.append('title', 'holiday');
    form.append('poster', new Blob(['image bytes']), 'poster.png');

    // Act
    const notMultipart = await api.post('/attach', { body: { title: 'holiday' } });
    const unknownFile = await api.post('/attach', { form });

    // Assert
    expectRefusal(notMultipart, 400, {
      code: 'BAD_REQUEST',
      message: 'This route takes Content-Type: multipart/form-data, application/x-www-form-urlencoded (got application/json)',
    });
    expectRefusal(unknownFile, 422, {
      code: 'VALIDATION_ERROR',
      message: 'Invalid request: poster: unknown file field',
      fields: [{ path: 'poster', message: 'unknown file field' }],
    });
  });
});
