import { useState, type FormEvent } from 'react';
import { ApiError } from '@rzero/client';
import { openSession, type Session } from '../api/sign-in';
import { errorText } from '../components/error-message';

interface SignInPageProps {
  onSignedIn: (key: string, session: Session) => void;
  notice?: string;
}

export function SignInPage({ onSignedIn, notice }: SignInPageProps) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError('Enter an API key.');
    setBusy(true);
    setError(null);
    try {
      onSignedIn(trimmed, await openSession(trimmed));
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'Sign-in failed: invalid key.'
          : `Could not sign in: ${errorText(err)}`,
      );
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card" onSubmit={submit}>
        <h1>R-Zero admin</h1>
        {notice && !error && <p className="notice">{notice}</p>}
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          data-testid="api-key-input"
          autoFocus
        />
        {error && (
          <p className="error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} data-testid="sign-in">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">
          The key stays in this tab only (sessionStorage) and is cleared on sign-out.
        </p>
      </form>
    </main>
  );
}
