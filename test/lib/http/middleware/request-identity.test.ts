import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError } from '#lib/errors';
import { requestIdentity } from '#lib/http/middleware/request-identity';
import { errorEnvelope, errorResponse } from '#lib/http/middleware/error-envelope';
import type { ApiContext } from '#lib/http/request-state';
import { headersOf, REQUEST_ID, useRouteServer } from '#test/support/route-server';

/** A chain of just this middleware: the handler answers with the request id it was given. */
const echoesItsId = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>()
  .use(requestIdentity())
  .handler(async (_event, context) => ({ statusCode: 200, headers: { 'Content-Type': 'text/plain' }, body: context.frameseek?.requestId ?? 'none' }));

/** With the error envelope inside it, as in the real chain: the refusal is stamped too. */
const refuses = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiContext>()
  .use(requestIdentity())
  .use(errorResponse())
  .use(errorEnvelope({ name: 'refuses' }))
  .handler(async () => {
    throw new AppError('COLLECTION_NOT_FOUND');
  });

const api = useRouteServer([
  { route: { name: 'echo', method: 'GET', path: '/echo', entry: 'echo' }, handler: echoesItsId },
  { route: { name: 'refuses', method: 'GET', path: '/refuses', entry: 'refuses' }, handler: refuses },
]);

describe('requestIdentity', () => {
  it('gives each request a new id and answers it in X-Request-Id', async () => {
    // Act
    const first = await api.get('/echo');
    const second = await api.get('/echo');

    // Assert
    expect(first.status).toBe(200);
    expect(first.text).toMatch(REQUEST_ID);
    expect(headersOf(first)).toEqual({ 'content-type': 'text/plain', 'x-request-id': first.text });
    expect(second.text).toMatch(REQUEST_ID);
    expect(second.text).not.toBe(first.text);
    expect(headersOf(second)).toEqual({ 'content-type': 'text/plain', 'x-request-id': second.text });
  });

  it('stamps an error answer with the same id as its envelope', async () => {
    // Act
    const response = await api.get('/refuses');

    // Assert
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ detail: { code: 'COLLECTION_NOT_FOUND', message: 'Collection not found', request_id: expect.stringMatching(REQUEST_ID) } });
    expect(headersOf(response)).toEqual({ 'content-type': 'application/json', 'x-request-id': response.body.detail.request_id });
  });
});
