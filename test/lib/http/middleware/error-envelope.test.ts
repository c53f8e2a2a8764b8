import middy from '@middy/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError, validationError } from '#lib/errors';
import { armFault, disarmFault } from '#lib/faults';
import { apiHandler } from '#lib/http/api-handler';
import { errorResponse, renderEnvelope } from '#lib/http/middleware/error-envelope';
import { testRoute } from '#test/support/test-route';
import { CORS_HEADERS, headersOf, REQUEST_ID, useRouteServer } from '#test/support/route-server';

function publicRoute(name: string) {
  return testRoute({ name, method: 'GET', writes: false, path: `/${name}`, entry: name, auth: 'none', successStatus: 200, summary: name, request: {} });
}

const LEAKY = 'ConditionalCheckFailedException arn:aws:dynamodb:us-east-1:123456789012:table/internal at lib/db/accounts.ts:42';

const api = useRouteServer([
  {
    route: publicRoute('limited'),
    handler: apiHandler(publicRoute('limited'), async () => {
      throw new AppError('RATE_LIMIT_EXCEEDED', 'Over the limit; retry in 7 s', { retry_after: 7, limit: 3 });
    }),
  },
  {
    route: publicRoute('invalid'),
    handler: apiHandler(publicRoute('invalid'), async () => {
      throw validationError([{ path: 'name', message: 'too long' }]);
    }),
  },
  {
    route: publicRoute('crashes'),
    handler: apiHandler(publicRoute('crashes'), async () => {
      throw new Error(LEAKY);
    }),
  },
  { route: publicRoute('healthy'), handler: apiHandler(publicRoute('healthy'), async () => ({ data: { ok: true } })) },
  {
    // Without the envelope, only http-error-handler's fallback: an error nothing rendered.
    route: publicRoute('bare'),
    handler: middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
      .use(errorResponse())
      .handler(async () => {
        throw new Error(LEAKY);
      }),
  },
]);

afterEach(() => disarmFault('internal_error'));

describe('errorEnvelope', () => {
  it('answers a domain error with its status, its extras and Retry-After', async () => {
    // Act
    const response = await api.get('/limited');

    // Assert
    expect(response.status).toBe(429);
    expect(response.body).toEqual({
      detail: { code: 'RATE_LIMIT_EXCEEDED', message: 'Over the limit; retry in 7 s', request_id: expect.stringMatching(REQUEST_ID), retry_after: 7, limit: 3 },
    });
    expect(headersOf(response)).toEqual({
      'content-type': 'application/json',
      'retry-after': '7',
      'x-request-id': response.body.detail.request_id,
      ...CORS_HEADERS,
    });
  });

  it('lists the fields of a validation error', async () => {
    // Act
    const response = await api.get('/invalid');

    // Assert
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      detail: {
        code: 'VALIDATION_ERROR',
        message: 'Invalid request: name: too long',
        request_id: expect.stringMatching(REQUEST_ID),
        fields: [{ path: 'name', message: 'too long' }],
      },
    });
    expect(headersOf(response)['retry-after']).toBeUndefined();
  });

  it('answers anything unexpected as INTERNAL_ERROR and reveals none of it', async () => {
    // Act
    const response = await api.get('/crashes');

    // Assert
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      detail: {
        code: 'INTERNAL_ERROR',
        message: 'Something went wrong on our side; it has been logged with the request id',
        request_id: expect.stringMatching(REQUEST_ID),
      },
    });
    expect(response.text).not.toMatch(/arn:aws|ConditionalCheckFailed|\.ts:/);
    expect(headersOf(response)['x-request-id']).toBe(response.body.detail.request_id);
  });

  it('answers a fault armed on the route as INTERNAL_ERROR, and the route recovers once it is off', async () => {
    // Arrange
    armFault('internal_error', 'healthy');

    // Act
    const failed = await api.get('/healthy');
    disarmFault('internal_error');
    const recovered = await api.get('/healthy');

    // Assert
    expect(failed.status).toBe(500);
    expect(failed.body.detail.code).toBe('INTERNAL_ERROR');
    expect(failed.text).not.toMatch(/Injected|arn:aws/);
    expect(recovered.status).toBe(200);
    expect(recovered.body.data).toEqual({ ok: true });
  });

  it('renders the same envelope for an error that never reached it (http-error-handler fallback)', async () => {
    // Act
    const response = await api.get('/bare');

    // Assert
    expect(response.status).toBe(500);
    expect(response.text).toBe(renderEnvelope(new AppError('INTERNAL_ERROR')));
    expect(response.body).toEqual({ detail: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; it has been logged with the request id' } });
    expect(headersOf(response)).toEqual({ 'content-type': 'application/json' });
  });
});
