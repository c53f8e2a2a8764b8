import { afterAll, beforeAll } from 'vitest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createApiServer } from '#infra/local/http-adapter';
import { close, listen } from '#infra/local/http-server';
import type { RouteDefinition } from '#lib/http/route';
import { client, type ApiResponse, type Client } from '#test/support/api';
import { useTestTable } from '#test/support/table';

/** A handler as API Gateway calls it: apiHandler(...) or a smaller middy chain under test. */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ServedRoute {
  route: Pick<RouteDefinition, 'name' | 'method' | 'path' | 'entry'>;
  handler: Handler;
}

/**
 * Serves a few handlers over HTTP the way the local runtime serves the route table (the same
 * adapter turns requests into payload-v2 events), so a middleware test observes whole responses.
 * `fallback` answers everything else (unknown paths, CORS preflights), as the catch-all route does.
 * With `table`, this file's DynamoDB Local table is created first (rate limits, credentials, idempotency).
 */
export function useRouteServer(served: ServedRoute[], options: { fallback?: Handler; table?: boolean } = {}): Client {
  let url: string | undefined;
  let stop: (() => Promise<void>) | undefined;
  if (options.table) useTestTable();
  beforeAll(async () => {
    const handlers = new Map(served.map(({ route, handler }) => [route.entry, handler]));
    const fallback = options.fallback ?? (async () => ({ statusCode: 404, body: 'no such test route' }));
    const server = createApiServer({
      routes: served.map(({ route }) => route),
      fallback: { name: 'notFound', entry: 'test/fallback' },
      load: async (entry) => ({ handler: handlers.get(entry) ?? fallback }),
    });
    const port = await listen(server, 0, '127.0.0.1');
    url = `http://127.0.0.1:${port}`;
    stop = () => close(server);
  });
  afterAll(() => stop?.());
  return client(() => {
    if (!url) throw new Error('the route server is not running yet');
    return url;
  });
}

/** Headers that node:http adds to every answer (framing, date), left out so tests can compare the rest whole. */
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/** The response's own headers, lower-cased, without the transport's. */
export function headersOf(response: ApiResponse): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => !TRANSPORT_HEADERS.has(name)));
}

export const REQUEST_ID = /^req_[0-9a-z]{26}$/;

/** The CORS headers the chain adds to every answer but a preflight (FRAMESEEK_CORS_ORIGINS is `*` in tests). */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'Authorization,Content-Type,Idempotency-Key',
  'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
  'access-control-expose-headers': 'X-Request-Id,Retry-After,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset',
  'access-control-max-age': '600',
};
