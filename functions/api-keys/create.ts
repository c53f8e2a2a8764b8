import { apiHandler } from '#lib/http/api-handler';
import { createApiKey } from '#lib/auth/api-keys';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.createApiKey, async ({ principal, body }) => ({
  data: await createApiKey(principal.accountId, body.name, body.permissions),
}));
