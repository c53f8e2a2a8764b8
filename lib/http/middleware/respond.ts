import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { nowMs } from '#lib/clock';
import { throwIfArmed } from '#lib/faults';
import type { Principal } from '#lib/auth/principal';
import { runIdempotently } from '#lib/http/idempotency';
import type { UploadedFile } from '#lib/uploaded-file';
import type { AuthKind, RequestSchemas, RouteDefinition } from '#lib/http/route';
import { header, type ApiContext, type ApiEvent, type ApiResponse, type RequestState } from '#lib/http/request-state';

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

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
  /** The request's `Idempotency-Key` on a route that honours it (`idempotent`), for work that must pass it on (Stripe charges). */
  idempotencyKey: string | undefined;
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
export type ApiResult =
  | { data: unknown; meta?: Record<string, unknown>; accepted?: boolean }
  | { file: { body: string; contentType: string } }
  /** The answer of a protocol that sets its own status and headers (MCP's Streamable HTTP transport). */
  | { reply: { status: number; headers: Record<string, string>; body: string } }
  | void;

/**
 * The innermost step: runs the route's handler on what the chain validated (once per
 * `Idempotency-Key` on an idempotent route, replaying the first success), then answers in the
 * success envelope.
 */
export function respondWith<const TAuth extends AuthKind, const TSchemas extends RequestSchemas>(
  route: RouteDefinition<TAuth, TSchemas>,
  handle: (request: ApiRequest<TAuth, TSchemas>) => Promise<ApiResult>,
) {
  return async (event: ApiEvent, context: ApiContext): Promise<ApiResponse> => {
    const state = context.frameseek;
    if (!state) throw new Error('Request state missing');
    throwIfArmed('internal_error', route.name);
    const admitted = state.admission ?? Promise.resolve();
    const idempotencyKey = route.idempotent ? header(event, 'idempotency-key') : undefined;
    const apiRequest = {
      params: state.params,
      query: state.query,
      body: state.body,
      principal: state.principal,
      files: state.files,
      rawBody: route.rawBody ? Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0),
      header: (name: string) => header(event, name),
      idempotencyKey,
      requestId: state.requestId,
      sourceIp: event.requestContext.http.sourceIp,
      admitted,
    } as ApiRequest<TAuth, TSchemas>;
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
}

/** Files take part in the idempotency comparison by digest, not by their bytes. */
function fileDigests(files: Record<string, UploadedFile>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([name, file]) => [name, createHash('sha256').update(file.bytes).digest('hex')]));
}

function respond(route: Pick<RouteDefinition, 'successStatus' | 'bareJson'>, state: RequestState, result: ApiResult): ApiResponse {
  if (route.successStatus === 204 || result === undefined) return { statusCode: 204, headers: {} };
  // A document in another format than JSON (subtitles): the body as it is, no envelope.
  if ('reply' in result) return { statusCode: result.reply.status, headers: result.reply.headers, body: result.reply.body };
  if ('file' in result) return { statusCode: route.successStatus, headers: { 'Content-Type': result.file.contentType }, body: result.file.body };
  const body = route.bareJson ? result.data : { data: result.data, meta: { request_id: state.requestId, took_ms: nowMs() - state.startedMs, ...result.meta } };
  return { statusCode: result.accepted ? 202 : route.successStatus, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}
