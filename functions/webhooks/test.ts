import { apiHandler } from '#lib/http/api-handler';
import { sendTestPing } from '#lib/webhooks/deliveries';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.testWebhook, async ({ principal, params }) => ({
  data: await sendTestPing(principal.accountId, params.webhook_id),
}));
