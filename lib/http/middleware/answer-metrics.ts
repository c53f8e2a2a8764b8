import { nowMs } from '#lib/clock';
import { metrics } from '#lib/metrics';
import type { RouteDefinition } from '#lib/http/route';
import type { ApiMiddleware, ApiRequestContext } from '#lib/http/request-state';
import { RenderedError } from '#lib/http/middleware/error-envelope';

/** Every answer counted, timed and, when it is an error, counted by code (lib/metrics.ts). */
export function answerMetrics(route: Pick<RouteDefinition, 'name'>): ApiMiddleware {
  const record = async (request: ApiRequestContext) => {
    const startedMs = request.context.frameseek?.startedMs ?? nowMs();
    const { error } = request;
    metrics.recordAnswer({
      route: route.name,
      status: request.response?.statusCode ?? 500,
      ...(error instanceof RenderedError ? { code: error.code } : {}),
      durationMs: nowMs() - startedMs,
    });
  };
  return { after: record, onError: record };
}
