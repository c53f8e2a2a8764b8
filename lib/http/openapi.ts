import * as z from 'zod';
import { ERROR_CATALOGUE } from '#lib/errors';
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

/** A route that takes `page` and `per_page` (in its query or body) answers a page: meta says where it is (api.md Transport). */
function isPaged(route: RouteDefinition): boolean {
  return [route.request.query, route.request.body].some((schema) => {
    const properties = schema ? ((toSchema(schema, 'input').properties ?? {}) as JsonSchema) : {};
    return 'page' in properties && 'per_page' in properties;
  });
}

function metaSchema(route: RouteDefinition): JsonSchema {
  const fields = ['request_id', 'took_ms', ...(isPaged(route) ? PAGE_FIELDS : [])];
  const properties = Object.fromEntries(fields.map((field) => [field, { type: field === 'request_id' ? 'string' : 'integer' }]));
  return { type: 'object', required: fields, properties };
}

function successResponse(route: RouteDefinition): JsonSchema {
  if (route.successStatus === 204) return { description: 'Done; no body' };
  const data = route.response ? toSchema(route.response, 'output') : {};
  const schema = route.bareJson ? data : { type: 'object', required: ['data', 'meta'], properties: { data, meta: metaSchema(route) } };
  return { description: route.summary, content: { 'application/json': { schema } } };
}

export function buildOpenApiDocument(routes: readonly RouteDefinition[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
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
        [String(route.successStatus)]: successResponse(route),
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
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
      if (route.multipart.alsoJson) content['application/json'] = { schema: fields };
      operation.requestBody = { required: true, content };
    } else if (route.request.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(route.request.body, 'input') } } };
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
