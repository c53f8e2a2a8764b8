import { consumeRateLimit } from '#lib/http/rate-limit';
import type { RouteDefinition } from '#lib/http/route';
import { applyRateDecision, stateOf, type ApiMiddleware } from '#lib/http/request-state';

/**
 * Step 4 before sign-in (sign-up, login): the limits of the addresses a request comes from.
 * Signed-in routes are counted per account in `authentication`.
 */
type PublicRoute = Pick<RouteDefinition, 'rateLimit' | 'auth'>;

/** The source IP address's limit, before the body is even read. */
export function sourceAddressRateLimit(route: PublicRoute): ApiMiddleware {
  return {
    before: async (request) => {
      if (!route.rateLimit || route.auth !== 'none') return;
      const address = request.event.requestContext.http.sourceIp;
      applyRateDecision(stateOf(request), await consumeRateLimit({ kind: 'ip', address }, route.rateLimit));
    },
  };
}

/** Sign-up and login are also limited per email address, known once the body validated (plans.md). */
export function emailAddressRateLimit(route: PublicRoute): ApiMiddleware {
  return {
    before: async (request) => {
      const state = stateOf(request);
      const email = (state.body as { email?: unknown } | undefined)?.email;
      if (route.rateLimit !== 'auth' || route.auth !== 'none' || typeof email !== 'string') return;
      applyRateDecision(state, await consumeRateLimit({ kind: 'email', address: email.trim().toLowerCase() }, 'auth'));
    },
  };
}
