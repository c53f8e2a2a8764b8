import { apiHandler } from '#lib/http/api-handler';
import { startReindex } from '#lib/indexing/reindex';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.reindexVideo, async ({ principal, params }) => ({
  data: await startReindex(principal.accountId, params.video_id),
}));
