import { useState, type FormEvent } from 'react';
import type { CreatedApiKey } from '@rzero/client';
import { useRz } from '../api/auth-context';
import { CopyButton } from '../components/copy-button';
import { ErrorMessage } from '../components/error-message';

type Role = 'user' | 'admin';

/** Creates a key; the key and its webhook secret are shown this once. */
export function ApiKeyForm({ onCreated }: { onCreated: () => void }) {
  const rz = useRz();
  const [name, setName] = useState('');
  const [owner, setOwner] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(
        await rz.ok(
          rz.api.POST('/api-keys', { body: { name: name.trim(), owner: owner.trim(), role } }),
        ),
      );
      setName('');
      setOwner('');
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {created && (
        <section className="panel secret" data-testid="new-api-key" aria-labelledby="new-key-title">
          <h2 id="new-key-title">Key "{created.name}" created</h2>
          <p>Copy both now: they are shown only once.</p>
          <div className="secret-line">
            <span className="secret-label">API key</span>
            <code>{created.key}</code>
            <CopyButton text={created.key} label="API key" />
          </div>
          <div className="secret-line">
            <span className="secret-label">Webhook secret</span>
            <code>{created.webhookSecret}</code>
            <CopyButton text={created.webhookSecret} label="webhook secret" />
          </div>
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </section>
      )}
      <form
        className="panel form"
        onSubmit={submit}
        data-testid="api-key-form"
        aria-labelledby="create-key-title"
      >
        <h2 id="create-key-title">Create a key</h2>
        <div className="field-row">
          <div className="field">
            <label htmlFor="key-name">Name</label>
            <input
              id="key-name"
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
              data-testid="api-key-name"
            />
          </div>
          <div className="field">
            <label htmlFor="key-owner">Owner</label>
            <input
              id="key-owner"
              required
              value={owner}
              onChange={(e) => setOwner(e.target.value)}
              data-testid="api-key-owner"
            />
          </div>
          <div className="field">
            <label htmlFor="key-role">Role</label>
            <select
              id="key-role"
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
              data-testid="api-key-role"
            >
              <option value="user">user</option>
              <option value="admin">admin</option>
            </select>
          </div>
        </div>
        <p className="hint">
          Keys with the same owner see the same models, runs, benchmarks and evaluations.
        </p>
        <ErrorMessage error={error} />
        <button type="submit" className="primary" disabled={busy} data-testid="api-key-submit">
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </form>
    </>
  );
}
