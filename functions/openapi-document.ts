import { buildOpenApiDocument } from '#lib/http/openapi';
import { routes } from '#functions/routes';
import { routeErrors } from '#functions/route-errors.generated';
import { routeExamples } from '#functions/route-examples';

/** This API's OpenAPI document: the route table with the errors each route's code throws and its examples. */
export function openApiDocument(version: string): Record<string, unknown> {
  return buildOpenApiDocument(Object.values(routes), version, { thrownCodes: routeErrors, examples: routeExamples });
}
