import { apiHandler } from '#lib/http/api-handler';
import { recordClick } from '#lib/search/clicks';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.searchClick, async ({ principal, body }) => {
  await recordClick(principal.accountId, body);
  return { data: null };
});
