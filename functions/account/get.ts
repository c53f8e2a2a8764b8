import { apiHandler } from '#lib/http/api-handler';
import { describeAccount } from '#lib/accounts/accounts';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.getAccount, async ({ principal }) => ({
  data: await describeAccount(principal.accountId),
}));
