import { apiHandler } from '#lib/http/api-handler';
import { deleteCollection } from '#lib/collections/collections';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.deleteCollection, async ({ principal, params }) => {
  await deleteCollection(principal.accountId, params.collection_id);
});
