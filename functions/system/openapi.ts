import { apiHandler } from '#lib/http/api-handler';
import { buildOpenApiDocument } from '#lib/http/openapi';
import { config } from '#lib/config';
import { routes } from '#functions/routes';

const document = buildOpenApiDocument(Object.values(routes), config.FRAMESEEK_VERSION);

export const handler = apiHandler(routes.openApi, async () => ({ data: document }));
