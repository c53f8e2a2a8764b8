import { apiHandler } from '#lib/http/api-handler';
import { requireFile } from '#lib/http/multipart';
import { createDirectUpload } from '#lib/uploads/uploads';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.directUpload, async ({ principal, body, files }) => {
  const { queued, duplicateOf } = await createDirectUpload(principal.accountId, body.collection_id, requireFile(files, 'file'), body.webhook_url);
  return { data: queued, meta: { duplicate_of: duplicateOf } };
});
