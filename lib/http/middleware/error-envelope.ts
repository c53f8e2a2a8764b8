import httpErrorHandler from '@middy/http-error-handler';
import { newId } from '#lib/ids';
import { AppError, ERROR_CATALOGUE } from '#lib/errors';
import { logError } from '#lib/log';
import type { RouteDefinition } from '#lib/http/route';
import type { ApiMiddleware } from '#lib/http/request-state';

/** The binding error envelope (errors.md), rendered here and nowhere else: `{"detail":{code,message,request_id,…extras}}`. */
export function renderEnvelope(error: AppError, requestId?: string): string {
  return JSON.stringify({ detail: { code: error.code, message: error.message, request_id: requestId, ...error.extras } });
}

/** An error in the shape @middy/http-error-handler writes out: status, exposed body, headers. */
export class RenderedError extends Error {
  readonly code: AppError['code'];
  readonly statusCode: number;
  readonly expose = true;
  readonly headers: Record<string, string>;
  constructor(error: AppError, requestId: string) {
    super(renderEnvelope(error, requestId));
    this.code = error.code;
    this.statusCode = error.status;
    this.headers = error.extras.retry_after === undefined ? {} : { 'Retry-After': String(error.extras.retry_after) };
  }
}

function internalError(): AppError {
  return new AppError('INTERNAL_ERROR', ERROR_CATALOGUE.INTERNAL_ERROR.message);
}

/** Turns any throw into the envelope; logs what was unexpected, reveals none of it. */
export function errorEnvelope(route: Pick<RouteDefinition, 'name'>): ApiMiddleware {
  return {
    onError: async (request) => {
      const requestId = request.context.frameseek?.requestId ?? newId('request');
      const { error } = request;
      if (!(error instanceof AppError)) logError('unhandled error', { request_id: requestId, route: route.name, error });
      request.error = new RenderedError(error instanceof AppError ? error : internalError(), requestId);
    },
  };
}

/**
 * Writes the rendered envelope as the response (Content-Type: application/json). Outside
 * `errorEnvelope` in the chain; its fallback (an error `errorEnvelope` never saw) is the same envelope.
 */
export function errorResponse(): ApiMiddleware {
  return httpErrorHandler({ logger: false, fallbackMessage: renderEnvelope(internalError()) });
}
