import { apiHandler } from '#lib/http/api-handler';
import { recordFeedback } from '#lib/search/feedback';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.searchFeedback, async ({ principal, body }) => {
  await recordFeedback(principal.accountId, body);
  return { data: null };
});
