import { apiHandler } from '#lib/http/api-handler';
import { AppError } from '#lib/errors';
import { fallbackRoute } from '#functions/routes';

/** Step 1 of "Which error wins": no such route. */
export const handler = apiHandler(fallbackRoute, async () => {
  throw new AppError('NOT_FOUND', 'No such route; see GET /v1/openapi.json for the routes of this API');
});
