import { apiHandler } from '#lib/http/api-handler';
import { renameCollection } from '#lib/collections/collections';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.renameCollection, async ({ principal, params, body }) => ({
  data: await renameCollection(principal.accountId, params.collection_id, body.name),
}));
