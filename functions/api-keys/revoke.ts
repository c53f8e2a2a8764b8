import { apiHandler } from '#lib/http/api-handler';
import { revokeApiKey } from '#lib/auth/api-keys';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.revokeApiKey, async ({ principal, params }) => {
  await revokeApiKey(principal.accountId, params.key_id);
});
