import * as z from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '#lib/errors';
import type { RouteDefinition } from '#lib/http/route';

/**
 * OpenAPI 3.1 from the route table, with every schema produced by zod's own JSON Schema
 * generator from the very schemas that validate requests: a route is documented by being declared.
 */
type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const objectSchema = toSchema(schema, 'input');
  const properties = (objectSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((objectSchema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: property,
  }));
}

const errorEnvelope = {
  type: 'object',
  required: ['detail'],
  properties: {
    detail: {
      type: 'object',
      required: ['code', 'message', 'request_id'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) },
        message: { type: 'string' },
        request_id: { type: 'string' },
        fields: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        retry_after: { type: 'integer' },
        limit: { type: 'integer' },
        used: { type: 'integer' },
      },
    },
  },
};

const PAGE_FIELDS = ['total', 'page', 'per_page'];

function inputProperties(schema: RouteDefinition['request']['query']): JsonSchema {
  return schema ? ((toSchema(schema, 'input').properties ?? {}) as JsonSchema) : {};
}

/** A route that takes `page` and `per_page` (in its query or body) answers a page: meta says where it is (api.md Transport). */
function isPaged(route: RouteDefinition): boolean {
  return [route.request.query, route.request.body].some((schema) => {
    const properties = inputProperties(schema);
    return 'page' in properties && 'per_page' in properties;
  });
}

/** A list that takes `cursor` answers the next page's in `meta.next_cursor` (null on the last page). */
function isCursored(route: RouteDefinition): boolean {
  return 'cursor' in inputProperties(route.request.query);
}

function metaSchema(route: RouteDefinition): JsonSchema {
  const fields = ['request_id', 'took_ms', ...(isPaged(route) ? PAGE_FIELDS : [])];
  const properties: Record<string, JsonSchema> = Object.fromEntries(fields.map((field) => [field, { type: field === 'request_id' ? 'string' : 'integer' }]));
  if (!isCursored(route)) return { type: 'object', required: fields, properties };
  properties.next_cursor = { type: ['string', 'null'], description: 'Send as ?cursor= for the next page; null on the last page' };
  return { type: 'object', required: [...fields, 'next_cursor'], properties };
}

/** What the document says of each route beyond its declaration: the codes its own code throws, its examples. */
export interface RouteDocumentation {
  /** By route name, the codes the route's own code can throw (functions/route-errors.generated.ts). */
  thrownCodes: Readonly<Record<string, readonly ErrorCode[]>>;
  /** By route name, an example request body and success `data`. */
  examples: Readonly<Record<string, { request?: unknown; response?: unknown } | undefined>>;
}

/**
 * The refusals of the HTTP chain (lib/http/api-handler.ts), known from the route's declaration: any
 * route may meet an unknown query parameter or an unexpected failure; credentials, permissions, rate
 * limits and body parsing answer where the route has them.
 */
export function chainErrorCodes(route: RouteDefinition): ErrorCode[] {
  const codes: ErrorCode[] = ['VALIDATION_ERROR', 'INTERNAL_ERROR'];
  if (route.auth !== 'none') codes.push('UNAUTHORIZED', 'INVALID_API_KEY', 'SESSION_EXPIRED');
  if (route.auth === 'session' || route.writes) codes.push('FORBIDDEN');
  if (route.rateLimit) codes.push('RATE_LIMIT_EXCEEDED');
  if (route.request.body || route.multipart) codes.push('BAD_REQUEST');
  return codes;
}

/** Every error a route may answer, one response per status, each code with its own example body. */
function errorResponses(route: RouteDefinition, thrown: readonly ErrorCode[]): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...chainErrorCodes(route), ...thrown])) {
    const status = ERROR_CATALOGUE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    codes.sort();
    const examples = Object.fromEntries(
      codes.map((code) => [
        code,
        { summary: ERROR_CATALOGUE[code].when, value: { detail: { code, message: ERROR_CATALOGUE[code].message, request_id: 'req_01JF3Z…' } } },
      ]),
    );
    responses[String(status)] = {
      description: codes.join(', '),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, examples } },
    };
  }
  return responses;
}

function successResponse(route: RouteDefinition, example: unknown): JsonSchema {
  if (route.successStatus === 204) return { description: 'Done; no body' };
  const data = route.response ? toSchema(route.response, 'output') : {};
  const schema = route.bareJson ? data : { type: 'object', required: ['data', 'meta'], properties: { data, meta: metaSchema(route) } };
  const exampleBody = route.bareJson ? example : { data: example, meta: { request_id: 'req_01JF3Z…', took_ms: 42 } };
  return { description: route.summary, content: { 'application/json': { schema, ...(example === undefined ? {} : { example: exampleBody }) } } };
}

export function buildOpenApiDocument(routes: readonly RouteDefinition[], version: string, documentation: RouteDocumentation): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const examples = documentation.examples[route.name];
    const requestExample = examples?.request === undefined ? {} : { example: examples.request };
    const operation: JsonSchema = {
      operationId: route.name,
      summary: route.summary,
      security: route.auth === 'none' ? [] : [{ bearer: [] }],
      parameters: [
        ...parametersOf(route.request.params, 'path'),
        ...parametersOf(route.request.query, 'query'),
        ...(route.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }] : []),
      ],
      responses: {
        [String(route.successStatus)]: successResponse(route, examples?.response),
        ...(route.alsoSucceedsWith ? { [String(route.alsoSucceedsWith)]: successResponse(route, undefined) } : {}),
        ...errorResponses(route, documentation.thrownCodes[route.name] ?? []),
      },
    };
    if (route.multipart) {
      const fields = route.request.body ? toSchema(route.request.body, 'input') : { type: 'object', properties: {} };
      const properties = {
        ...(fields.properties as JsonSchema),
        ...Object.fromEntries(route.multipart.fileFields.map((name) => [name, { type: 'string', format: 'binary' }])),
      };
      // A route that also takes JSON (which has no files) cannot require one: its file is one way among others.
      const required = [...((fields.required ?? []) as string[]), ...(route.multipart.alsoJson ? [] : route.multipart.fileFields)];
      // Every form route also takes its fields urlencoded (lib/http/middleware/request-validation.ts), files aside.
      const content: JsonSchema = {
        'multipart/form-data': { schema: { ...fields, properties, required } },
        'application/x-www-form-urlencoded': { schema: fields },
      };
      if (route.multipart.alsoJson) content['application/json'] = { schema: fields, ...requestExample };
      operation.requestBody = { required: true, content };
    } else if (route.request.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(route.request.body, 'input'), ...requestExample } } };
    }
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Frameseek API', version, description: 'Find any moment in your videos by what is said, shown or written.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API key (fsk_…) or session token (fss_…)' } },
      schemas: { Error: errorEnvelope },
    },
    paths,
  };
}
