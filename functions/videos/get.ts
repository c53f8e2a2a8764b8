import { apiHandler } from '#lib/http/api-handler';
import { describeVideo } from '#lib/videos/videos';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.getVideo, async ({ principal, params }) => ({
  data: await describeVideo(principal.accountId, params.video_id),
}));
