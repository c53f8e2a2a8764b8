import './app.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, session } from './api';
import { AuthPage } from './pages/auth';
import { BillingPage } from './pages/billing';
import { CollectionPage } from './pages/collection';
import { CollectionsPage } from './pages/collections';
import { KeysPage } from './pages/keys';
import { SearchPage } from './pages/search';
import { VideoPage } from './pages/video';
import { go, route } from './ui';

/** The Frameseek console: a hash-routed single page over the public API (web/README in the repository README). */
function App() {
  const [path, setPath] = useState(route());
  const [signedIn, setSignedIn] = useState(Boolean(session.token()));
  const [waiting, setWaiting] = useState(0);
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    const onHash = () => {
      setPath(route());
      setSignedIn(Boolean(session.token()));
    };
    addEventListener('hashchange', onHash);
    const stopExpired = session.onExpired(() => {
      setExpired(true);
      setSignedIn(false);
      go('/login');
    });
    const stopWaiting = session.onWait(setWaiting);
    return () => {
      removeEventListener('hashchange', onHash);
      stopExpired();
      stopWaiting();
    };
  }, []);

  const [page = '', id] = path;
  const open = page === 'login' || page === 'signup';
  useEffect(() => {
    if (!signedIn && !open) go('/login');
    if (signedIn && (open || page === '')) go('/collections');
  }, [signedIn, page]);

  async function logout() {
    await call('POST', '/v1/auth/logout').catch(() => undefined);
    session.clear();
    setSignedIn(false);
    go('/login');
  }

  let content;
  if (page === 'signup') content = <AuthPage mode="signup" />;
  else if (!signedIn || page === 'login') content = <AuthPage mode="login" />;
  else if (page === 'keys') content = <KeysPage />;
  else if (page === 'collections' && id) content = <CollectionPage id={id} />;
  else if (page === 'search') content = <SearchPage collectionId={id} />;
  else if (page === 'videos' && id) content = <VideoPage id={id} />;
  else if (page === 'billing') content = <BillingPage />;
  else content = <CollectionsPage />;

  const link = (to: string, label: string) => (
    <a href={`#/${to}`} aria-current={page === to ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), document.getElementById('page-title')?.focus())}>
        Skip to content
      </a>
      <header>
        <span class="brand">Frameseek</span>
        {signedIn && (
          <nav aria-label="Main">
            {link('collections', 'Collections')}
            {link('search', 'Search')}
            {link('keys', 'API keys')}
            {link('billing', 'Billing')}
            <a href="/docs">API docs</a>
            <button type="button" class="quiet" onClick={logout}>
              Log out
            </button>
          </nav>
        )}
      </header>
      <main id="main">
        {waiting > 0 && (
          <p class="warning" role="status">
            Too many requests: trying again in {waiting} s…
          </p>
        )}
        {expired && !signedIn && (
          <p class="warning" role="status">
            Your session ended; log in again.
          </p>
        )}
        {content}
      </main>
    </>
  );
}

// Served at another address (Stripe Checkout comes back to /billing?checkout=…): the same place as a hash route.
if (location.pathname !== '/') history.replaceState(null, '', `/#${location.pathname}${location.search}`);

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
