import { useState } from 'preact/hooks';
import { call, type Account, type Billing, type Transaction } from '../api';
import { ErrorNote, Page, bytes, dollars, messageOf, routeQuery, useLoad } from '../ui';

const TOP_UP_MICROS = 10_000_000;

/** Plan, balance, today's quota, the ledger; a top-up through Stripe Checkout (or the API's message when Stripe is not set up). */
export function BillingPage() {
  const billing = useLoad(() => call<Billing>('GET', '/v1/billing').then((answer) => answer.data));
  const account = useLoad(() => call<Account>('GET', '/v1/account').then((answer) => answer.data));
  const ledger = useLoad(() => call<Transaction[]>('GET', '/v1/billing/transactions?per_page=50').then((answer) => answer.data));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function checkout() {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await call<{ url: string }>('POST', '/v1/billing/checkout', { body: { amount_micros: TOP_UP_MICROS } });
      location.assign(answer.data.url);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  const usage = account.data?.usage;
  const returned = routeQuery().get('checkout');
  return (
    <Page title="Billing">
      {returned === 'success' && (
        <p class="notice" role="status">
          Payment received: the credit shows in your balance once Stripe confirms it (usually within seconds; reload to see it).
        </p>
      )}
      {returned === 'cancelled' && (
        <p class="notice" role="status">
          Checkout was cancelled; nothing was charged.
        </p>
      )}
      <ErrorNote error={billing.error ?? account.error ?? ledger.error} />
      {billing.data && (
        <dl class="card facts">
          <dt>Plan</dt>
          <dd>{billing.data.plan}</dd>
          <dt>Balance</dt>
          <dd>{dollars(billing.data.credits_micros)}</dd>
          <dt>Card</dt>
          <dd>{billing.data.payment_method ? `${billing.data.payment_method.brand} ····${billing.data.payment_method.last4}` : 'none saved'}</dd>
          {usage && (
            <>
              <dt>Searches today</dt>
              <dd>
                {usage.searches_today}
                {usage.search_quota === null ? '' : ` of ${usage.search_quota} (${Math.max(0, usage.search_quota - usage.searches_today)} left)`}
              </dd>
              <dt>Storage</dt>
              <dd>
                {bytes(usage.storage_bytes)}
                {usage.storage_limit_bytes === null ? '' : ` of ${bytes(usage.storage_limit_bytes)}`}
              </dd>
            </>
          )}
        </dl>
      )}
      <div class="card">
        <button type="button" onClick={checkout} disabled={busy}>
          Add {dollars(TOP_UP_MICROS)} of credit with Stripe Checkout
        </button>
        <ErrorNote error={error} />
      </div>
      <h2>Ledger</h2>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Credit ledger</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Amount</th>
              <th scope="col">Balance after</th>
            </tr>
          </thead>
          <tbody>
            {ledger.data?.map((entry) => (
              <tr key={entry.id}>
                <td>{new Date(entry.created_at).toLocaleString()}</td>
                <td>{entry.description || entry.type}</td>
                <td>{dollars(entry.amount_micros)}</td>
                <td>{dollars(entry.balance_after_micros)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {ledger.data?.length === 0 && <p>No transactions yet.</p>}
    </Page>
  );
}
