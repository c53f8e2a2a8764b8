import type * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { routes } from '#functions/routes';
import { routeExamples } from '#functions/route-examples';
import { openApiDocument } from '#functions/openapi-document';
import { chainErrorCodes } from '#lib/http/openapi';
import type { RouteDefinition } from '#lib/http/route';

type Json = Record<string, unknown>;
const table: RouteDefinition[] = Object.values(routes);

function operationOf(document: Json, route: RouteDefinition): Json {
  const paths = document.paths as Record<string, Record<string, Json>>;
  const operation = paths[route.path]?.[route.method.toLowerCase()];
  if (!operation) throw new Error(`${route.name} is not in the document`);
  return operation;
}

function documentedCodes(operation: Json): Map<string, string[]> {
  const responses = operation.responses as Record<string, { content?: Record<string, { examples?: Json }> }>;
  return new Map(
    Object.entries(responses)
      .filter(([status]) => Number(status) >= 400)
      .map(([status, response]) => [status, Object.keys(response.content?.['application/json']?.examples ?? {})]),
  );
}

describe('the OpenAPI document’s examples', () => {
  it('gives every route that takes a JSON body an example of it', () => {
    const withJsonBody = table.filter((route) => route.request.body && (!route.multipart || route.multipart.alsoJson));

    const missing = withJsonBody.filter((route) => routeExamples[route.name as keyof typeof routes]?.request === undefined);

    expect(withJsonBody.length).toBeGreaterThan(15);
    expect(missing.map((route) => route.name)).toEqual([]);
  });

  it('parses every example with the schema of its own route', () => {
    const failures: string[] = [];

    for (const route of table) {
      const example = routeExamples[route.name as keyof typeof routes];
      const checks: Array<[string, z.ZodType | undefined, unknown]> = [
        ['request', route.request.body, example?.request],
        ['response', route.response, example?.response],
      ];
      for (const [part, schema, value] of checks) {
        if (value === undefined) continue;
        const parsed = schema?.safeParse(value);
        if (!parsed?.success) failures.push(`${route.name} ${part}: ${parsed?.error.message ?? 'no schema to check it against'}`);
      }
    }

    expect(failures).toEqual([]);
  });

  it('carries them into the document', () => {
    const document = openApiDocument('0.0.0');

    const search = operationOf(document, routes.search) as { requestBody: { content: Record<string, Json> }; responses: Record<string, Json> };

    expect(search.requestBody.content['application/json']?.example).toEqual(routeExamples.search?.request);
    expect(search.responses['200']).toMatchObject({ content: { 'application/json': { example: { data: routeExamples.search?.response } } } });
  });
});

describe('the OpenAPI document’s success responses', () => {
  it('declares the frame map’s 202 (a first map computing in the background) with the same body as its 200', () => {
    const document = openApiDocument('0.0.0');

    const framemap = operationOf(document, routes.framemap) as { responses: Record<string, { content?: Record<string, { schema: Json }> }> };

    expect(Object.keys(framemap.responses)).toEqual(expect.arrayContaining(['200', '202']));
    expect(framemap.responses['202']?.content?.['application/json']?.schema).toEqual(framemap.responses['200']?.content?.['application/json']?.schema);
  });
});

describe('the OpenAPI document’s error responses', () => {
  it('lists, for every route, the refusals of the HTTP chain with each code under its catalogue status', () => {
    const document = openApiDocument('0.0.0');
    const failures: string[] = [];

    for (const route of table) {
      const documented = documentedCodes(operationOf(document, route));
      for (const code of chainErrorCodes(route)) {
        const listed = [...documented].some(([, codes]) => codes.includes(code));
        if (!listed) failures.push(`${route.name}: ${code}`);
      }
    }

    expect(failures).toEqual([]);
  });

  it('documents a route’s own not-found, limit and auth answers, and nothing the route cannot answer', () => {
    const document = openApiDocument('0.0.0');

    const getCollection = documentedCodes(operationOf(document, routes.getCollection));
    const signUp = documentedCodes(operationOf(document, routes.signUp));
    const createWebhook = documentedCodes(operationOf(document, routes.createWebhook));

    expect(getCollection.get('404')).toEqual(['COLLECTION_NOT_FOUND']);
    expect(getCollection.get('401')).toEqual(['INVALID_API_KEY', 'SESSION_EXPIRED', 'UNAUTHORIZED']);
    expect(getCollection.get('429')).toEqual(['RATE_LIMIT_EXCEEDED']);
    expect(getCollection.get('500')).toEqual(['INTERNAL_ERROR']);
    expect(getCollection.has('403')).toBe(false);
    expect(signUp.get('409')).toEqual(['ACCOUNT_EXISTS']);
    expect(signUp.has('401')).toBe(false);
    expect(createWebhook.get('402')).toContain('WEBHOOK_LIMIT_REACHED');
    expect(createWebhook.get('403')).toEqual(['FORBIDDEN']);
  });
});
