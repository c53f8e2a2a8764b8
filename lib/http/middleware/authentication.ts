import { authenticate } from '#lib/auth/authenticate';
import { consumeRateLimit } from '#lib/http/rate-limit';
import { accessOf, type RouteDefinition } from '#lib/http/route';
import { applyRateDecision, header, stateOf, type ApiMiddleware } from '#lib/http/request-state';

/**
 * Steps 2–4 of errors.md "Which error wins": the credential is present and valid, allowed on this
 * route, and within the account's rate limit for the route's group (counted while the account's
 * status is read). A route that `startsBeforeRateDecision` goes on while the count is in flight (its
 * handler waits for it before any effect); whatever fails after the credential passed, a refusal by
 * the count answers instead, as step 4 comes before everything that follows it.
 */
export function authentication(route: Pick<RouteDefinition, 'auth' | 'writes' | 'rateLimit' | 'startsBeforeRateDecision'>): ApiMiddleware {
  return {
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
  };
}
