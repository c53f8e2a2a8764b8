import { apiHandler } from '#lib/http/api-handler';
import { listKeys } from '#lib/auth/api-keys';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listApiKeys, async ({ principal }) => ({
  data: await listKeys(principal.accountId),
}));
