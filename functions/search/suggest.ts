import { apiHandler } from '#lib/http/api-handler';
import { suggest } from '#lib/search/suggest';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.suggest, async ({ principal, body }) => ({
  data: await suggest(principal.accountId, body.prefix, body.collection_id),
}));
