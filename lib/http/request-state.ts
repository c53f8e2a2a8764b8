import type { Request, MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Principal } from '#lib/auth/principal';
import type { UploadedFile } from '#lib/uploaded-file';
import { rateLimitExceeded, type RateDecision } from '#lib/http/rate-limit';

/** What the middlewares of the chain (lib/http/api-handler.ts) learn about a request and hand to the next. */
export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResponse = APIGatewayProxyStructuredResultV2;

export interface RequestState {
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
   * decision applied (refused: RATE_LIMIT_EXCEEDED). Awaited by `authentication`, or by the handler
   * of a route that starts before the decision (`startsBeforeRateDecision`).
   */
  admission?: Promise<void>;
}

export type ApiContext = Context & { frameseek?: RequestState };
export type ApiRequestContext = Request<ApiEvent, ApiResponse, Error, ApiContext>;
export type ApiMiddleware = MiddlewareObj<ApiEvent, ApiResponse, Error, ApiContext>;

export function stateOf(request: Pick<ApiRequestContext, 'context'>): RequestState {
  const state = request.context.frameseek;
  if (!state) throw new Error('Request state missing: the chain was assembled out of order');
  return state;
}

/** A request header, by case-insensitive name (payload v2 lower-cases them; tests may not). */
export function header(event: ApiEvent, name: string): string | undefined {
  return event.headers?.[name] ?? event.headers?.[name.toLowerCase()];
}

/** Records the decision for the headers (the tightest one wins), then refuses if it says so. */
export function applyRateDecision(state: RequestState, decision: RateDecision): void {
  if (!state.rateLimit || decision.remaining < state.rateLimit.remaining) state.rateLimit = decision;
  if (!decision.allowed) throw rateLimitExceeded(decision);
}
