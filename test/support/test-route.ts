import type { AuthKind, RequestSchemas, RouteDefinition } from '#lib/http/route';

/**
 * A route for a test's own chain, named in place (the route table names its routes after their keys;
 * a test route has no table).
 */
export function testRoute<const TAuth extends AuthKind, const TSchemas extends RequestSchemas>(
  route: RouteDefinition<TAuth, TSchemas>,
): RouteDefinition<TAuth, TSchemas> {
  return route;
}
