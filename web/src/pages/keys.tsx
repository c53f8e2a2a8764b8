import { useState } from 'preact/hooks';
import { call, type ApiKey } from '../api';
import { ErrorNote, Page, messageOf, useLoad } from '../ui';

/** API keys for programs: a new key's secret is shown once, with a copy button; list by prefix; revoke. */
export function KeysPage() {
  const keys = useLoad(() => call<ApiKey[]>('GET', '/v1/api_keys').then((answer) => answer.data));
  const [created, setCreated] = useState<ApiKey>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string>();

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    setError(undefined);
    try {
      const answer = await call<ApiKey>('POST', '/v1/api_keys', { body: { name: fields.get('name'), permissions: fields.get('permissions') } });
      setCreated(answer.data);
      setCopied(false);
      form.reset();
      keys.reload();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  async function revoke(key: ApiKey) {
    if (!confirm(`Revoke the key “${key.name}” (${key.prefix}…)? Programs using it stop working at once.`)) return;
    setError(undefined);
    try {
      await call('DELETE', `/v1/api_keys/${key.id}`);
      keys.reload();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  async function copy(secret: string) {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setError('The browser did not allow copying; select the key and copy it by hand');
    }
  }

  return (
    <Page title="API keys">
      <form class="card row" onSubmit={create}>
        <div>
          <label for="key-name">Name</label>
          <input id="key-name" name="name" required maxLength={100} placeholder="laptop" />
        </div>
        <div>
          <label for="key-permissions">Permissions</label>
          <select id="key-permissions" name="permissions">
            <option value="all">All</option>
            <option value="read_only">Read only</option>
          </select>
        </div>
        <button type="submit">Create key</button>
      </form>
      {created?.key && (
        <div class="card notice" role="status" data-testid="new-key">
          <p>
            Your new key <strong>{created.name}</strong>. It is shown only this once: copy it now.
          </p>
          <code class="secret">{created.key}</code>
          <button type="button" onClick={() => created.key && copy(created.key)}>
            {copied ? 'Copied' : 'Copy key'}
          </button>
          <button type="button" class="quiet" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      <ErrorNote error={error ?? keys.error} />
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Your API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Permissions</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data?.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.permissions}</td>
                <td>{key.last_used_at ? new Date(key.last_used_at).toLocaleString() : 'never'}</td>
                <td>
                  {key.revoked_at ? (
                    'revoked'
                  ) : (
                    <button type="button" class="danger" onClick={() => revoke(key)} aria-label={`Revoke ${key.name}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {keys.data?.length === 0 && <p>No keys yet.</p>}
    </Page>
  );
}
