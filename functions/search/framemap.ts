import { apiHandler } from '#lib/http/api-handler';
import { frameMap } from '#lib/search/framemap';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.framemap, async ({ principal, query }) => ({
  data: await frameMap(principal.accountId, principal.account, { collectionId: query.collection_id, force: query.force }),
}));
