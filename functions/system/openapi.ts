import { apiHandler } from '#lib/http/api-handler';
import { config } from '#lib/config';
import { routes } from '#functions/routes';
import { openApiDocument } from '#functions/openapi-document';

const document = openApiDocument(config.FRAMESEEK_VERSION);

export const handler = apiHandler(routes.openApi, async () => ({ data: document }));
