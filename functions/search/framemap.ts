import { apiHandler } from '#lib/http/api-handler';
import { frameMap } from '#lib/search/framemap-answer';
import { routes } from '#functions/routes';

/** Answers the stored map, or starts its computation in the index worker and answers at once (202 when there is nothing to show yet). */
export const handler = apiHandler(routes.framemap, async ({ principal, query }) => {
  const answer = await frameMap(principal.accountId, principal.account, { collectionId: query.collection_id, force: query.force });
  return { data: answer.map, meta: { framemap: answer.status, warnings: answer.warnings }, accepted: answer.accepted };
});
