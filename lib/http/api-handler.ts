import middy from '@middy/core';
import type { AuthKind, RequestSchemas, RouteDefinition } from '#lib/http/route';
import type { ApiContext, ApiEvent, ApiResponse } from '#lib/http/request-state';
import { requestIdentity } from '#lib/http/middleware/request-identity';
import { answerMetrics } from '#lib/http/middleware/answer-metrics';
import { cors } from '#lib/http/middleware/cors';
import { errorEnvelope, errorResponse } from '#lib/http/middleware/error-envelope';
import { authentication } from '#lib/http/middleware/authentication';
import { emailAddressRateLimit, sourceAddressRateLimit } from '#lib/http/middleware/address-rate-limits';
import { requestValidation } from '#lib/http/middleware/request-validation';
import { respondWith, type ApiRequest, type ApiResult } from '#lib/http/middleware/respond';

export type { ApiContext } from '#lib/http/request-state';
export type { ApiRequest, ApiResult } from '#lib/http/middleware/respond';

/**
 * The one middy chain every API handler is built with. Its steps run in the order of errors.md
 * "Which error wins": route (the route table and the catch-all) → credential → permission → rate
 * limit → body parses → shape validates → the handler's own checks. Any throw ends in the error
 * envelope; anything unexpected becomes INTERNAL_ERROR.
 *
 * middy runs `before` top to bottom and `after`/`onError` bottom to top, so the outer steps below
 * also see, and finish, every answer of the inner ones.
 */
export function apiHandler<const TAuth extends AuthKind, const TSchemas extends RequestSchemas>(
  route: RouteDefinition<TAuth, TSchemas>,
  handle: (request: ApiRequest<TAuth, TSchemas>) => Promise<ApiResult>,
) {
  if (route.startsBeforeRateDecision && route.idempotent) {
    throw new Error(`Route ${route.name}: an idempotent route cannot start before its rate-limit decision (the first answer would be replayed)`);
  }
  return (
    middy<ApiEvent, ApiResponse, Error, ApiContext>()
      // Request id in; X-Request-Id and X-RateLimit-* on every answer.
      .use(requestIdentity())
      // Requests, latency and errors by code as CloudWatch metrics (off locally).
      .use(answerMetrics(route))
      // CORS headers on every answer; a preflight is answered here.
      .use(cors())
      // Writes the envelope below as the response.
      .use(errorResponse())
      // Any throw from here on becomes the envelope (unexpected ones INTERNAL_ERROR).
      .use(errorEnvelope(route))
      // (2) credential, (3) permission, (4) the account's rate limit.
      .use(authentication(route))
      // (4) before sign-in: the source address's rate limit.
      .use(sourceAddressRateLimit(route))
      // (5) body parses, (6) shape validates.
      .use(requestValidation(route))
      // (4) sign-up and login: the email address's rate limit, known once the body validated.
      .use(emailAddressRateLimit(route))
      // (7–10) the handler's own checks, then the success envelope.
      .handler(respondWith(route, handle))
  );
}
