import { apiHandler } from '#lib/http/api-handler';
import { createCollection } from '#lib/collections/collections';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.createCollection, async ({ principal, body }) => ({
  data: await createCollection(principal.accountId, body.name),
}));
