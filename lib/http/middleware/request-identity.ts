import { newId } from '#lib/ids';
import { nowMs } from '#lib/clock';
import { rateLimitHeaders } from '#lib/http/rate-limit';
import { stateOf, type ApiMiddleware, type ApiRequestContext } from '#lib/http/request-state';

/**
 * Outermost: a request id and the start time in; X-Request-Id (and the X-RateLimit-* headers of the
 * tightest rate-limit decision) out, on every success and every error.
 */
export function requestIdentity(): ApiMiddleware {
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
}
