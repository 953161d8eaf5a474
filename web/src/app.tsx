import { useCallback, useEffect, useMemo, useState } from 'react';
import { AuthContext, type Auth } from './api/auth-context';
import { clearStoredKey, readStoredKey, storeKey } from './api/session';
import { openSession, type Session } from './api/sign-in';
import { errorText } from './components/error-message';
import { Shell } from './shell';
import { SignInPage } from './pages/sign-in-page';

type State =
  | { kind: 'checking' }
  | { kind: 'signed-out'; notice?: string }
  | { kind: 'signed-in'; session: Session };

export function App() {
  const [state, setState] = useState<State>(() =>
    readStoredKey() ? { kind: 'checking' } : { kind: 'signed-out' },
  );

  // A key kept from earlier in this tab is checked again (it may have been revoked).
  useEffect(() => {
    const key = readStoredKey();
    if (!key) return;
    let live = true;
    openSession(key).then(
      (session) => live && setState({ kind: 'signed-in', session }),
      (err: unknown) => {
        if (!live) return;
        clearStoredKey();
        setState({ kind: 'signed-out', notice: errorText(err) });
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const signIn = useCallback((key: string, session: Session) => {
    storeKey(key);
    setState({ kind: 'signed-in', session });
  }, []);

  const signOut = useCallback((notice?: string) => {
    clearStoredKey();
    setState({ kind: 'signed-out', notice });
  }, []);

  const auth = useMemo<Auth | null>(
    () =>
      state.kind === 'signed-in'
        ? { rz: state.session.rz, isAdmin: state.session.isAdmin, signOut }
        : null,
    [state, signOut],
  );

  if (state.kind === 'checking') return <p className="boot">Checking your key…</p>;
  if (!auth) {
    return (
      <SignInPage
        onSignedIn={signIn}
        notice={state.kind === 'signed-out' ? state.notice : undefined}
      />
    );
  }
  return (
    <AuthContext.Provider value={auth}>
      <Shell />
    </AuthContext.Provider>
  );
}
