import { apiHandler } from '#lib/http/api-handler';
import { momentAt } from '#lib/videos/text';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.videoMoment, async ({ principal, params, query }) => ({
  data: await momentAt(principal.accountId, params.video_id, query.timestamp),
}));
