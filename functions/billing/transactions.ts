import { apiHandler } from '#lib/http/api-handler';
import { cursorScope, pageMeta, pageRequest } from '#lib/pagination';
import { listTransactions } from '#lib/billing/billing';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listTransactions, async ({ principal, query }) => {
  const scope = cursorScope(principal.accountId, 'transactions');
  const page = await listTransactions(principal.accountId, pageRequest(scope, query));
  return { data: page.items, meta: pageMeta(scope, page) };
});
