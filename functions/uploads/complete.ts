import { apiHandler } from '#lib/http/api-handler';
import { completeUpload } from '#lib/uploads/uploads';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.completeUpload, async ({ principal, params, body }) => ({
  data: await completeUpload(principal.accountId, params.upload_id, body.parts),
}));
