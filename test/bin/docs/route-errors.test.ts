import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeErrors } from '#functions/route-errors.generated';
import { fallbackRoute, routes } from '#functions/routes';
import { ROUTE_ERRORS_PATH, renderRouteErrors } from '../../../bin/docs/route-errors.ts';

describe('functions/route-errors.generated.ts', () => {
  it('is what the routes’ bundles throw today (regenerate with npm run docs:route-errors)', async () => {
    const rendered = await renderRouteErrors();

    expect(readFileSync(ROUTE_ERRORS_PATH, 'utf8')).toBe(rendered);
  }, 60_000);

  it('names every route of the table and finds the codes each domain throws', () => {
    const named = Object.keys(routeErrors).sort();

    expect(named).toEqual([...Object.keys(routes), fallbackRoute.name].sort());
    expect(routeErrors.getCollection).toEqual(['COLLECTION_NOT_FOUND']);
    expect(routeErrors.createWebhook).toContain('WEBHOOK_LIMIT_REACHED');
    expect(routeErrors.search).toEqual(expect.arrayContaining(['SEARCH_LIMIT_EXCEEDED', 'INSUFFICIENT_CREDITS', 'COLLECTION_NOT_FOUND']));
    expect(routeErrors.listCollections).not.toContain('COLLECTION_NOT_FOUND');
  });
});
