import { apiHandler } from '#lib/http/api-handler';
import { logIn } from '#lib/accounts/accounts';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.logIn, async ({ body }) => ({
  data: await logIn(body.email, body.password),
}));
