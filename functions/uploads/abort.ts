import { apiHandler } from '#lib/http/api-handler';
import { abortUpload } from '#lib/uploads/uploads';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.abortUpload, async ({ principal, params }) => {
  await abortUpload(principal.accountId, params.upload_id);
});
