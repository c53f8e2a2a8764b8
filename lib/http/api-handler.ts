import middy, { type MiddlewareObj, type Request } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpCors from '@middy/http-cors';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { config } from '#lib/config';
import { newId } from '#lib/ids';
import { nowMs } from '#lib/clock';
import { createHash } from 'node:crypto';
import { AppError, ERROR_CATALOGUE, validationError } from '#lib/errors';
import { parseMultipart, type UploadedFile } from '#lib/http/multipart';
import { throwIfArmed } from '#lib/faults';
import { authenticate } from '#lib/auth/authenticate';
import type { Principal } from '#lib/auth/principal';
import { runIdempotently } from '#lib/http/idempotency';
import { consumeRateLimit, rateLimitExceeded, rateLimitHeaders, type RateDecision } from '#lib/http/rate-limit';
import { logError } from '#lib/log';
import { parseJsonBody, parseQueryString, validatePart } from '#lib/http/validation';
import { accessOf, type AuthKind, type RequestSchemas, type RouteDefinition } from '#lib/http/route';

/**
 * The one middy chain every API handler is built with. Its steps run in the order of
 * errors.md "Which error wins": route (the route table and the catch-all) → credential →
 * permission → rate limit → body parses → shape validates → the handler's own checks.
 * Any throw ends in the error envelope; anything unexpected becomes INTERNAL_ERROR.
 */
type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

interface RequestState {
  requestId: string;
  startedMs: number;
  principal?: Principal;
  params?: unknown;
  query?: unknown;
  body?: unknown;
  files: Record<string, UploadedFile>;
  /** The tightest rate-limit decision of this request, for the X-RateLimit-* headers. */
  rateLimit?: RateDecision;
  /**
   * The account's rate-limit count for this request, once the credential passed: settles with the
   * decision applied (refused: RATE_LIMIT_EXCEEDED). Awaited in `authentication`, or by the handler
   * of a route that starts before the decision (`startsBeforeRateDecision`).
   */
  admission?: Promise<void>;
}

export type ApiContext = Context & { frameseek?: RequestState };
type ApiRequestContext = Request<Event, Result, Error, ApiContext>;

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface ApiRequest<TAuth extends AuthKind, TSchemas extends RequestSchemas> {
  params: Infer<TSchemas['params']>;
  query: Infer<TSchemas['query']>;
  body: Infer<TSchemas['body']>;
  principal: TAuth extends 'none' ? undefined : Principal;
  /** File parts of a multipart route, by field name. */
  files: Record<string, UploadedFile>;
  /** The body as received, for routes that declare `rawBody` (empty otherwise). */
  rawBody: Buffer;
  /** A request header, by case-insensitive name. */
  header(name: string): string | undefined;
  requestId: string;
  sourceIp: string;
  /**
   * Settles once the request is within its rate limit (rejects with RATE_LIMIT_EXCEEDED otherwise).
   * Already settled unless the route `startsBeforeRateDecision`; such a handler awaits it before any
   * effect (a charge, a write), and a refusal answers whatever the handler would have.
   */
  admitted: Promise<void>;
}

/**
 * What a handler returns: `data` (and extra `meta`) for the envelope, or nothing for a 204.
 * `accepted` answers 202 instead of the route's status, for work that continues in the background;
 * `file` answers a non-JSON document as it is (WebVTT, SubRip).
 */
export type ApiResult = { data: unknown; meta?: Record<string, unknown>; accepted?: boolean } | { file: { body: string; contentType: string } } | void;

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

function stateOf(request: ApiRequestContext): RequestState {
  const state = request.context.frameseek;
  if (!state) throw new Error('Request state missing: the chain was assembled out of order');
  return state;
}

function header(event: Event, name: string): string | undefined {
  return event.headers?.[name] ?? event.headers?.[name.toLowerCase()];
}

/** Outermost: request id and timing in; X-Request-Id out, on every success and every error. */
const requestIdentity = (): MiddlewareObj<Event, Result, Error, ApiContext> => {
  const stamp = async (request: ApiRequestContext) => {
    const { requestId, rateLimit } = stateOf(request);
    const limitHeaders = rateLimit ? rateLimitHeaders(rateLimit) : {};
    request.response = { ...request.response, headers: { ...request.response?.headers, ...limitHeaders, 'X-Request-Id': requestId } };
  };
  return {
    before: async (request) => {
      request.context.frameseek = { requestId: newId('request'), startedMs: nowMs(), files: {} };
    },
    after: stamp,
    onError: stamp,
  };
};

/** Error shaped the way @middy/http-error-handler renders it: status, exposed body, headers. */
class EnvelopeError extends Error {
  readonly statusCode: number;
  readonly expose = true;
  readonly headers: Record<string, string>;
  constructor(statusCode: number, body: string, headers: Record<string, string>) {
    super(body);
    this.statusCode = statusCode;
    this.headers = headers;
  }
}

/** Turns any throw into the binding envelope; logs what was unexpected, reveals none of it. */
const errorEnvelope = (route: Pick<RouteDefinition, 'name'>): MiddlewareObj<Event, Result, Error, ApiContext> => ({
  onError: async (request) => {
    const requestId = request.context.frameseek?.requestId ?? newId('request');
    const error = request.error;
    let appError: AppError;
    if (error instanceof AppError) {
      appError = error;
    } else {
      logError('unhandled error', { request_id: requestId, route: route.name, error });
      appError = new AppError('INTERNAL_ERROR', ERROR_CATALOGUE.INTERNAL_ERROR.message);
    }
    const detail = { code: appError.code, message: appError.message, request_id: requestId, ...appError.extras };
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (appError.extras.retry_after !== undefined) headers['Retry-After'] = String(appError.extras.retry_after);
    request.error = new EnvelopeError(appError.status, JSON.stringify({ detail }), headers);
  },
});

/**
 * Steps 2–4: the credential is present and valid, allowed on this route, and within the account's
 * rate limit for the route's group (counted while the account's status is read). A route that
 * `startsBeforeRateDecision` goes on while the count is in flight (its handler waits for it before
 * any effect); whatever fails after the credential passed, a refusal by the count answers instead,
 * as step 4 comes before everything that follows it.
 */
const authentication = (
  route: Pick<RouteDefinition, 'auth' | 'writes' | 'rateLimit' | 'startsBeforeRateDecision'>,
): MiddlewareObj<Event, Result, Error, ApiContext> => ({
  before: async (request) => {
    if (route.auth === 'none') return;
    const state = stateOf(request);
    const group = route.rateLimit;
    const { principal, alongside: counting } = await authenticate(header(request.event, 'authorization'), accessOf(route), async (accountId) => {
      // Handed back unsettled: a refused credential (or permission) must not wait for the count.
      const count = group ? consumeRateLimit({ kind: 'account', accountId }, group) : undefined;
      count?.catch(() => undefined);
      return { count };
    });
    state.principal = principal;
    if (!counting.count) return;
    const admission = counting.count.then((decision) => applyRateDecision(state, decision));
    admission.catch(() => undefined);
    state.admission = admission;
    if (!route.startsBeforeRateDecision) await admission;
  },
  onError: async (request) => {
    const admission = request.context.frameseek?.admission;
    if (!admission) return;
    try {
      await admission;
    } catch (refusal) {
      request.error = refusal instanceof Error ? refusal : new Error(String(refusal));
    }
  },
});

/** Records the decision for the headers (the tightest one wins), then refuses if it says so. */
function applyRateDecision(state: RequestState, decision: RateDecision): void {
  if (!state.rateLimit || decision.remaining < state.rateLimit.remaining) state.rateLimit = decision;
  if (!decision.allowed) throw rateLimitExceeded(decision);
}

/** Step 4 before sign-in (sign-up, login): the source address's rate limit. Signed-in routes count in `authentication`. */
const addressRateLimiting = (route: Pick<RouteDefinition, 'rateLimit' | 'auth'>): MiddlewareObj<Event, Result, Error, ApiContext> => ({
  before: async (request) => {
    if (!route.rateLimit || route.auth !== 'none') return;
    applyRateDecision(stateOf(request), await consumeRateLimit({ kind: 'ip', address: request.event.requestContext.http.sourceIp }, route.rateLimit));
  },
});

/** Sign-up and login are also limited per email address, known once the body validated (plans.md). */
const emailRateLimiting = (route: Pick<RouteDefinition, 'rateLimit' | 'auth'>): MiddlewareObj<Event, Result, Error, ApiContext> => ({
  before: async (request) => {
    const state = stateOf(request);
    const email = (state.body as { email?: unknown } | undefined)?.email;
    if (route.rateLimit !== 'auth' || route.auth !== 'none' || typeof email !== 'string') return;
    applyRateDecision(state, await consumeRateLimit({ kind: 'email', address: email.trim().toLowerCase() }, 'auth'));
  },
});

/** Step 5 for multipart routes: fields as strings, files aside; unknown file fields refused. */
async function parseFormBody(event: Event, multipart: NonNullable<RouteDefinition['multipart']>, state: RequestState): Promise<unknown> {
  const contentType = header(event, 'content-type') ?? '';
  if (multipart.alsoJson && /^application\/json\b/i.test(contentType)) return parseJsonBody(event.body, event.isBase64Encoded, contentType);
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    throw new AppError('BAD_REQUEST', `This route takes Content-Type: multipart/form-data (got ${contentType.split(';')[0] || 'none'})`);
  }
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const { fields, files } = await parseMultipart(body, contentType, multipart.maxFileBytes);
  const unknownFiles = Object.keys(files).filter((name) => !multipart.fileFields.includes(name));
  if (unknownFiles.length > 0) throw validationError(unknownFiles.map((name) => ({ path: name, message: 'unknown file field' })));
  state.files = files;
  return fields;
}

/** Steps 5–6: the body parses, then path, query and body validate against the route's schemas. */
const requestValidation = (route: Pick<RouteDefinition, 'request' | 'multipart'>): MiddlewareObj<Event, Result, Error, ApiContext> => ({
  before: async (request) => {
    const state = stateOf(request);
    const { event } = request;
    const rawBody = route.multipart
      ? await parseFormBody(event, route.multipart, state)
      : route.request.body
        ? parseJsonBody(event.body, event.isBase64Encoded, header(event, 'content-type'))
        : undefined;
    if (route.request.params) state.params = validatePart(route.request.params, event.pathParameters ?? {}, 'path');
    if (route.request.query) state.query = validatePart(route.request.query, parseQueryString(event.rawQueryString), 'query');
    else if (event.rawQueryString) validateNoQuery(event.rawQueryString);
    if (route.request.body) state.body = validatePart(route.request.body, rawBody ?? {}, 'body');
  },
});

function validateNoQuery(rawQueryString: string): void {
  const names = Object.keys(parseQueryString(rawQueryString));
  if (names.length > 0) {
    throw new AppError('VALIDATION_ERROR', `This route takes no query parameters (got ${names.join(', ')})`, {
      fields: names.map((name) => ({ path: name, message: 'unknown query parameter' })),
    });
  }
}

export function apiHandler<const TAuth extends AuthKind, const TSchemas extends RequestSchemas>(
  route: RouteDefinition<TAuth, TSchemas>,
  handle: (request: ApiRequest<TAuth, TSchemas>) => Promise<ApiResult>,
) {
  if (route.startsBeforeRateDecision && route.idempotent) {
    throw new Error(`Route ${route.name}: an idempotent route cannot start before its rate-limit decision (the first answer would be replayed)`);
  }
  const run = async (event: Event, context: ApiContext): Promise<Result> => {
    const state = context.frameseek;
    if (!state) throw new Error('Request state missing');
    throwIfArmed('internal_error', route.name);
    const admitted = state.admission ?? Promise.resolve();
    const apiRequest = {
      params: state.params,
      query: state.query,
      body: state.body,
      principal: state.principal,
      files: state.files,
      rawBody: route.rawBody ? Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0),
      header: (name: string) => header(event, name),
      requestId: state.requestId,
      sourceIp: event.requestContext.http.sourceIp,
      admitted,
    } as ApiRequest<TAuth, TSchemas>;
    const idempotencyKey = route.idempotent ? header(event, 'idempotency-key') : undefined;
    const result =
      idempotencyKey !== undefined && state.principal
        ? await runIdempotently(
            {
              routeName: route.name,
              accountId: state.principal.accountId,
              idempotencyKey,
              request: { params: state.params, query: state.query, body: state.body, files: fileDigests(state.files) },
              lambdaContext: context,
            },
            () => handle(apiRequest),
          )
        : await handle(apiRequest);
    await admitted;
    return respond(route, state, result);
  };

  return middy<Event, Result, Error, ApiContext>()
    .use(requestIdentity())
    .use(
      httpCors({
        origins: config.FRAMESEEK_CORS_ORIGINS.split(','),
        headers: 'Authorization,Content-Type,Idempotency-Key',
        methods: 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
        exposeHeaders: 'X-Request-Id,Retry-After,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset',
        maxAge: 600,
        disableBeforePreflightResponse: false,
      }),
    )
    .use(
      httpErrorHandler({
        logger: false,
        fallbackMessage: JSON.stringify({ detail: { code: 'INTERNAL_ERROR', message: ERROR_CATALOGUE.INTERNAL_ERROR.message } }),
      }),
    )
    .use(errorEnvelope(route))
    .use(authentication(route))
    .use(addressRateLimiting(route))
    .use(requestValidation(route))
    .use(emailRateLimiting(route))
    .handler(run);
}

/** Files take part in the idempotency comparison by digest, not by their bytes. */
function fileDigests(files: Record<string, UploadedFile>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([name, file]) => [name, createHash('sha256').update(file.bytes).digest('hex')]));
}

function respond(route: Pick<RouteDefinition, 'successStatus' | 'bareJson'>, state: RequestState, result: ApiResult): Result {
  if (route.successStatus === 204 || result === undefined) return { statusCode: 204, headers: {} };
  // A document in another format than JSON (subtitles): the body as it is, no envelope.
  if ('file' in result) return { statusCode: route.successStatus, headers: { 'Content-Type': result.file.contentType }, body: result.file.body };
  const body = route.bareJson ? result.data : { data: result.data, meta: { request_id: state.requestId, took_ms: nowMs() - state.startedMs, ...result.meta } };
  return { statusCode: result.accepted ? 202 : route.successStatus, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}
