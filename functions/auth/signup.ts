import { apiHandler } from '#lib/http/api-handler';
import { signUp } from '#lib/accounts/accounts';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.signUp, async ({ body, sourceIp }) => ({
  data: await signUp(body.email, body.password, sourceIp),
}));
