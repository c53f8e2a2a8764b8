import { apiHandler } from '#lib/http/api-handler';
import { deleteVideo } from '#lib/videos/videos';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.deleteVideo, async ({ principal, params }) => {
  await deleteVideo(principal.accountId, params.video_id);
});
