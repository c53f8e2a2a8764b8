import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { RouteDefinition, FallbackRoute } from '#lib/http/route';

/**
 * Serves the route table over node:http the way API Gateway's HTTP API does: each request
 * becomes a payload-v2 event for the very handler module that AWS runs, loaded on first use
 * (a cold start) and reused after.
 */
type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** Lambda's synchronous payload limit; above it the platform answers before our code runs. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
const TEXT_TYPES = /^(application\/(json|x-www-form-urlencoded|xml)|text\/)/i;

interface CompiledRoute {
  route: Pick<RouteDefinition, 'name' | 'method' | 'path' | 'entry' | 'timeoutSecs'>;
  pattern: RegExp;
  paramNames: string[];
}

function compile(route: CompiledRoute['route']): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = segment.match(/^\{(\w+)\}$/)?.[1];
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      paramNames.push(param);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), paramNames };
}

export interface HttpAdapterOptions {
  routes: ReadonlyArray<CompiledRoute['route']>;
  fallback: Pick<FallbackRoute, 'name' | 'entry'>;
  /** Imports a handler module by its entry path (relative to the project root). */
  load: (entry: string) => Promise<{ handler: LambdaHandler }>;
  /** Answers paths outside the API (the console's static files), or returns false. */
  serveStatic?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
}

export function createApiServer(options: HttpAdapterOptions): Server {
  const compiled = options.routes.map(compile);
  const handlers = new Map<string, Promise<LambdaHandler>>();
  const handlerFor = (entry: string) => {
    let handler = handlers.get(entry);
    if (!handler) {
      handler = options.load(entry).then((module) => module.handler);
      handlers.set(entry, handler);
    }
    return handler;
  };

  return createServer((request, response) => {
    void serve(request, response).catch((error: unknown) => {
      console.error(JSON.stringify({ level: 'error', message: 'local adapter failure', error: String(error) }));
      if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ detail: { code: 'INTERNAL_ERROR', message: 'The local runtime could not run this handler' } }));
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    if (method === 'GET' && options.serveStatic && !url.pathname.startsWith('/v1/') && (await options.serveStatic(request, response))) return;

    const body = await readBody(request);
    if (body === undefined) {
      // The rest of the body is never read: the connection cannot carry another request after this answer.
      response.writeHead(413, { 'Content-Type': 'application/json', Connection: 'close' });
      response.end(
        JSON.stringify({ detail: { code: 'UPLOAD_TOO_LARGE', message: 'Request body exceeds the 6 MB platform limit; upload files with POST /v1/uploads' } }),
      );
      return;
    }

    let match: { compiled: CompiledRoute; values: string[] } | undefined;
    for (const candidate of compiled) {
      const found = candidate.route.method === method ? url.pathname.match(candidate.pattern) : null;
      if (found) {
        match = { compiled: candidate, values: found.slice(1) };
        break;
      }
    }
    const routeKey = match ? `${match.compiled.route.method} ${match.compiled.route.path}` : '$default';
    const pathParameters = match
      ? Object.fromEntries(match.compiled.paramNames.map((name, index) => [name, decodePathSegment(match.values[index] ?? '')]))
      : undefined;
    const event = toEvent(request, url, method, routeKey, pathParameters, body);
    const entry = match ? match.compiled.route.entry : options.fallback.entry;
    const name = match ? match.compiled.route.name : options.fallback.name;
    const result = await (await handlerFor(entry))(event, lambdaContext(name, match?.compiled.route.timeoutSecs ?? 30));
    writeResult(response, result);
  }
}

/**
 * API Gateway hands a segment it cannot decode to the function as written; so does this host, and
 * the handler answers it like any unknown id (a thrown URIError here was a bare 502).
 */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      // Drain what is left without keeping it, so the client gets the 413 instead of a reset.
      request.resume();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  method: string,
  routeKey: string,
  pathParameters: Record<string, string> | undefined,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] = queryStringParameters[name] === undefined ? value : `${queryStringParameters[name]},${value}`;
  }
  const isText = TEXT_TYPES.test(headers['content-type'] ?? 'application/json');
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    queryStringParameters: Object.keys(queryStringParameters).length ? queryStringParameters : undefined,
    pathParameters,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? (isText ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function lambdaContext(functionName: string, timeoutSecs: number): Context {
  const deadline = Date.now() + timeoutSecs * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function writeResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['Set-Cookie'] = result.cookies;
  response.writeHead(result.statusCode ?? 200, headers);
  const body = result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  response.end(body);
}
