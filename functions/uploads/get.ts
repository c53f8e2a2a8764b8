import { apiHandler } from '#lib/http/api-handler';
import { describeUpload } from '#lib/uploads/uploads';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.getUpload, async ({ principal, params }) => ({
  data: await describeUpload(principal.accountId, params.upload_id),
}));
