import { useState } from 'preact/hooks';
import { call, session } from '../api';
import { ErrorNote, Page, go, messageOf } from '../ui';

/** Sign up or log in: both answer a session token, kept in this browser until log out or expiry. */
export function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const signup = mode === 'signup';

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      const answer = await call<{ session: { token: string } }>('POST', signup ? '/v1/auth/signup' : '/v1/auth/login', {
        body: { email: form.get('email'), password: form.get('password') },
      });
      session.set(answer.data.session.token);
      go(signup ? '/keys' : '/collections');
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={signup ? 'Create your account' : 'Log in'}>
      <form class="card narrow" onSubmit={submit}>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="email" required />
        <label for="password">Password{signup ? ' (at least 12 characters)' : ''}</label>
        <input id="password" name="password" type="password" autoComplete={signup ? 'new-password' : 'current-password'} minLength={signup ? 12 : 1} required />
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          {signup ? 'Sign up' : 'Log in'}
        </button>
        <p>{signup ? <a href="#/login">I already have an account</a> : <a href="#/signup">Create an account</a>}</p>
      </form>
    </Page>
  );
}
