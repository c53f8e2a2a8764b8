import { apiHandler } from '#lib/http/api-handler';
import { rendererScript } from '#lib/http/docs';
import { routes } from '#functions/routes';

const script = rendererScript();

export const handler = apiHandler(routes.docsScript, async () => ({ file: { body: script, contentType: 'text/javascript; charset=utf-8' } }));
