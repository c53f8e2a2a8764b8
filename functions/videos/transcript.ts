import { apiHandler } from '#lib/http/api-handler';
import { subtitlesOf, transcriptOf } from '#lib/videos/text';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.videoTranscript, async ({ principal, params, query }) =>
  query.format === 'json'
    ? { data: await transcriptOf(principal.accountId, params.video_id, query.include === 'ocr') }
    : { file: await subtitlesOf(principal.accountId, params.video_id, query.format) },
);
