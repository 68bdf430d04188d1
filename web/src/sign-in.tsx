import { useState, type FormEvent } from 'react';
import { ApiCallError, apiGet, setStoredToken } from './api-client.js';

/** Sign-in: explains the login link `weir server` prints and accepts a personal access token instead. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setStoredToken(token.trim());
    try {
      await apiGet('jobs/list', { limit: 1 });
      onSignedIn();
    } catch (err) {
      setStoredToken(null);
      setError(err instanceof ApiCallError ? err.message : String(err));
    }
  };
  return (
    <section className="card signin">
      <h1>Sign in to weir</h1>
      <p>
        Open the one-time login link that <code>weir server</code> printed at start (valid 15 minutes), or sign in with a
        personal access token (<code>.weir/admin-token</code>, or one from <code>weir token create</code>).
      </p>
      <form onSubmit={submit}>
        <label>
          Token <input type="password" name="token" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit" disabled={!token.trim()}>Sign in with a token</button>
      </form>
      {error && <pre className="error" role="alert">{error}</pre>}
    </section>
  );
}
