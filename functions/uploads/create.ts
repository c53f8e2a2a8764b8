import { apiHandler } from '#lib/http/api-handler';
import { createPresignedUpload } from '#lib/uploads/uploads';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.createUpload, async ({ principal, body }) => ({
  data: await createPresignedUpload(principal.accountId, {
    collectionId: body.collection_id,
    filename: body.filename,
    sizeBytes: body.size_bytes,
    contentType: body.content_type,
    webhookUrl: body.webhook_url,
  }),
}));
