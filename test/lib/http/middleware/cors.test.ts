import { describe, expect, it } from 'vitest';
import { AppError } from '#lib/errors';
import { apiHandler } from '#lib/http/api-handler';
import { CORS } from '#lib/http/cors';
import { testRoute } from '#test/support/test-route';
import { headersOf, REQUEST_ID, useRouteServer } from '#test/support/route-server';

const probe = testRoute({
  name: 'probe',
  method: 'GET',
  writes: false,
  path: '/v1/probe',
  entry: 'probe',
  auth: 'none',
  successStatus: 200,
  summary: 'probe',
  request: {},
});
const notFound = testRoute({
  name: 'notFound',
  method: 'GET',
  writes: false,
  path: '/{proxy+}',
  entry: 'notFound',
  auth: 'none',
  successStatus: 200,
  summary: 'catch-all',
  request: {},
});

const api = useRouteServer([{ route: probe, handler: apiHandler(probe, async () => ({ data: { probed: true } })) }], {
  // As in both hosts, a preflight lands on the catch-all route, whose chain answers it.
  fallback: apiHandler(notFound, async () => {
    throw new AppError('NOT_FOUND');
  }),
});

const EXPOSED = 'X-Request-Id,Retry-After,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset';

describe('cors', () => {
  it('answers a preflight from the one CORS definition on the catch-all route (short-circuited: no handler, no request id)', async () => {
    // Act
    const response = await api.call('OPTIONS', '/v1/collections', {
      headers: { origin: 'https://console.example.com', 'access-control-request-method': 'POST' },
    });

    // Assert
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(headersOf(response)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'Authorization,Content-Type,Idempotency-Key',
      'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
      'access-control-expose-headers': EXPOSED,
      'access-control-max-age': '600',
    });
  });

  it('lets a browser read the request id and the rate-limit headers of an answer', async () => {
    // Act
    const response = await api.get('/v1/probe', { headers: { origin: 'https://console.example.com' } });

    // Assert
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { probed: true }, meta: { request_id: expect.stringMatching(REQUEST_ID), took_ms: expect.any(Number) } });
    expect(headersOf(response)).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'Authorization,Content-Type,Idempotency-Key',
      'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
      'access-control-expose-headers': EXPOSED,
      'access-control-max-age': '600',
      'x-request-id': response.body.meta.request_id,
    });
  });

  it('declares what API Gateway is configured with: these headers, methods and max age', () => {
    // Assert
    expect(CORS).toEqual({
      allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposeHeaders: EXPOSED.split(','),
      maxAgeSecs: 600,
    });
  });
});
