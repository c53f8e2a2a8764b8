import { apiHandler } from '#lib/http/api-handler';
import { endSession } from '#lib/auth/sessions';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.logOut, async ({ principal }) => {
  if (principal.kind === 'session') await endSession(principal.sessionTokenHash);
});
