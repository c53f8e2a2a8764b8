import { apiHandler } from '#lib/http/api-handler';
import { config } from '#lib/config';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.health, async () => ({
  data: { status: 'ok', version: config.FRAMESEEK_VERSION },
}));
