import { apiHandler } from '#lib/http/api-handler';
import { createPresignedUpload } from '#lib/uploads/uploads';
import { createUrlUpload } from '#lib/uploads/url-ingest';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.createUpload, async ({ principal, body }) => {
  const common = { collectionId: body.collection_id, webhookUrl: body.webhook_url };
  if ('source_url' in body) {
    return { data: await createUrlUpload(principal.accountId, { ...common, sourceUrl: body.source_url, filename: body.filename }), accepted: true };
  }
  const { ticket, duplicateOf } = await createPresignedUpload(principal.accountId, {
    ...common,
    filename: body.filename,
    sizeBytes: body.size_bytes,
    contentType: body.content_type,
    sha256: body.sha256,
  });
  return { data: ticket, meta: { duplicate_of: duplicateOf } };
});
