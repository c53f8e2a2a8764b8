import { apiHandler } from '#lib/http/api-handler';
import { withdrawFeedback } from '#lib/search/feedback';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.withdrawSearchFeedback, async ({ principal, query }) => {
  await withdrawFeedback(principal.accountId, query.video_id, query.timestamp_start);
});
