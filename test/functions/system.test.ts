import { describe, expect, it } from 'vitest';
import { errorOf, list, signUp, useTestApi } from '#test/support/api';
import { armFault, disarmFault } from '#lib/faults';

const api = useTestApi();

describe('GET /v1/health', () => {
  it('answers without a credential, in the success envelope', async () => {
    const response = await api.get('/v1/health');

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ status: 'ok', version: expect.any(String) });
    expect(response.body.meta.request_id).toMatch(/^req_[0-9a-z]{26}$/);
    expect(response.headers.get('x-request-id')).toBe(response.body.meta.request_id);
    expect(response.body.meta.took_ms).toEqual(expect.any(Number));
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/v1/nothing-here'],
    ['DELETE', '/v1/account/extra'],
    ['PUT', '/v1/collections'],
    ['GET', '/v1/collections/col_1/videos/9?x=1'],
  ])('%s %s is NOT_FOUND before any credential is asked for', async (method, path) => {
    const response = await api.call(method, path);

    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe('NOT_FOUND');
    expect(errorOf(response).request_id).toBe(response.headers.get('x-request-id'));
    expect(Object.keys(response.body)).toEqual(['detail']);
  });

  it('answers a CORS preflight', async () => {
    const response = await api.call('OPTIONS', '/v1/collections', {
      headers: { origin: 'https://console.example.com', 'access-control-request-method': 'POST' },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');
  });
});

describe('INTERNAL_ERROR', () => {
  it('answers 500 with nothing internal when a handler fails unexpectedly', async () => {
    const { token } = await signUp(api);
    armFault('internal_error', 'getAccount');

    const response = await api.get('/v1/account', { token });
    disarmFault('internal_error');

    expect(response.status).toBe(500);
    expect(errorOf(response).code).toBe('INTERNAL_ERROR');
    expect(response.text).not.toMatch(/arn:aws|ConditionalCheckFailed|Injected|stack|\.ts:/);
    expect(errorOf(response).request_id).toBe(response.headers.get('x-request-id'));
  });

  it('leaves other routes and later requests unaffected', async () => {
    const { token } = await signUp(api);

    const response = await api.get('/v1/account', { token });

    expect(response.status).toBe(200);
  });
});

describe('GET /v1/openapi.json', () => {
  it('documents every route from the schemas that validate it', async () => {
    const response = await api.get('/v1/openapi.json');

    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const paths = response.body.paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['/v1/health', '/v1/auth/signup', '/v1/account', '/v1/api_keys/{key_id}', '/v1/collections/{collection_id}']),
    );
    const signupBody = paths['/v1/auth/signup'].post.requestBody.content['application/json'].schema;
    expect(signupBody.required).toEqual(['email', 'password']);
    expect(signupBody.additionalProperties).toBe(false);
    expect(signupBody.properties.password.minLength).toBe(12);
    const listParameters = paths['/v1/collections'].get.parameters;
    expect(list(listParameters).map((parameter) => parameter.name)).toEqual(['page', 'per_page', 'cursor']);
    expect(paths['/v1/collections'].post.parameters[0].name).toBe('Idempotency-Key');
    expect(Object.keys(paths['/v1/search/feedback'].post.requestBody.content)).toEqual([
      'multipart/form-data',
      'application/x-www-form-urlencoded',
      'application/json',
    ]);
    expect(paths['/v1/search/feedback'].post.responses['200'].content['application/json'].schema.properties.data).toEqual({ type: 'null' });
  });
});

describe('GET /v1/openapi.json error responses', () => {
  it('document each error the API really answers under that route and status', async () => {
    const { token } = await signUp(api);
    const document = (await api.get('/v1/openapi.json')).body;
    const answers = [
      { path: '/v1/collections/{collection_id}', method: 'get', response: await api.get('/v1/collections/col_missing', { token }) },
      { path: '/v1/collections/{collection_id}', method: 'get', response: await api.get('/v1/collections/col_missing') },
      { path: '/v1/collections', method: 'post', response: await api.post('/v1/collections', { token, body: { name: '' } }) },
      { path: '/v1/auth/signup', method: 'post', response: await api.post('/v1/auth/signup', { body: { email: 'x@example.com', password: 'short' } }) },
      { path: '/v1/webhooks/{webhook_id}', method: 'delete', response: await api.delete('/v1/webhooks/wh_missing', { token }) },
    ];

    const undocumented = answers.filter(({ path, method, response }) => {
      const documented = document.paths[path][method].responses[String(response.status)];
      return !documented?.content['application/json'].examples[String(errorOf(response).code)];
    });

    expect(answers.map(({ response }) => errorOf(response).code)).toEqual([
      'COLLECTION_NOT_FOUND',
      'UNAUTHORIZED',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'WEBHOOK_NOT_FOUND',
    ]);
    expect(undocumented).toEqual([]);
  });
});
