import { apiHandler } from '#lib/http/api-handler';
import { docsPage } from '#lib/http/docs';
import { routes } from '#functions/routes';

const page = docsPage(routes.openApi.path, routes.docsScript.path);

export const handler = apiHandler(routes.docs, async () => ({ file: { body: page, contentType: 'text/html; charset=utf-8' } }));
