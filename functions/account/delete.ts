import { apiHandler } from '#lib/http/api-handler';
import { requestAccountDeletion } from '#lib/accounts/deletion';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.deleteAccount, async ({ principal, body }) => ({
  data: await requestAccountDeletion(principal.accountId, body.password),
}));
