import { apiHandler } from '#lib/http/api-handler';
import { getCollection } from '#lib/collections/collections';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.getCollection, async ({ principal, params }) => ({
  data: await getCollection(principal.accountId, params.collection_id),
}));
