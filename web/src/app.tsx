import { useCallback, useEffect, useState } from 'react';
import { ApiCallError, apiGet, setStoredToken, storedToken } from './api-client.js';
import { JobPage } from './job-page.js';
import { JobsPage } from './jobs-page.js';
import { RunPage } from './run-page.js';
import { hashSegments, registeredPages } from './page-registry.js';
import { SignIn } from './sign-in.js';
import { useHashRoute } from './use-hash-route.js';

type Auth = 'checking' | 'in' | 'out';

const PAGES = registeredPages();

/** The weir UI: checks the session (login-link cookie or a typed token), then shows the page of the URL hash. */
export function App() {
  const route = useHashRoute();
  const segments = hashSegments(location.hash);
  const extra = PAGES.find((p) => p.prefix === segments[0]);
  const [auth, setAuth] = useState<Auth>('checking');
  const check = useCallback(async () => {
    try {
      await apiGet('jobs/list', { limit: 1 });
      setAuth('in');
    } catch (e) {
      setAuth(e instanceof ApiCallError && e.status === 401 ? 'out' : 'in');
    }
  }, []);
  useEffect(() => void check(), [check]);
  const signOut = () => {
    setStoredToken(null);
    setAuth('out');
  };
  return (
    <div className="app">
      <header className="topbar">
        <a href="#jobs" className="brand">weir</a>
        <nav>
          <a href="#jobs">Jobs</a>
          {PAGES.filter((p) => p.navLabel).map((p) => (
            <a key={p.prefix} href={`#${p.prefix}`}>{p.navLabel}</a>
          ))}
        </nav>
        {auth === 'in' && storedToken() && <button className="link" onClick={signOut}>Sign out</button>}
      </header>
      <main>
        {auth === 'checking' && <p className="muted">Loading…</p>}
        {auth === 'out' && <SignIn onSignedIn={() => void check()} />}
        {auth === 'in' && extra && extra.render(segments.slice(1))}
        {auth === 'in' && !extra && route.page === 'jobs' && <JobsPage />}
        {auth === 'in' && route.page === 'job' && <JobPage key={route.jobId} jobId={route.jobId} />}
        {auth === 'in' && route.page === 'run' && <RunPage key={route.runId} jobId={route.jobId} runId={route.runId} />}
      </main>
    </div>
  );
}
