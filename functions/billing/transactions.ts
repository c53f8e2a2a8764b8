import { apiHandler } from '#lib/http/api-handler';
import { pageMeta } from '#lib/pagination';
import { listTransactions } from '#lib/billing/billing';
import { routes } from '#functions/routes';

export const handler = apiHandler(routes.listTransactions, async ({ principal, query }) => {
  const page = await listTransactions(principal.accountId, query.page, query.per_page);
  return { data: page.items, meta: pageMeta(page) };
});
