import type { ApiKeyView } from '@rzero/client';
import { useRz } from '../api/auth-context';
import { useApiQuery } from '../api/use-api-query';
import { useConfirmedAction } from '../api/use-confirmed-action';
import { ConfirmActionDialog } from '../components/confirm-dialog';
import { ErrorMessage } from '../components/error-message';
import { formatTime } from '../components/format';
import { ApiKeyForm } from './api-key-form';

export function ApiKeysPage() {
  const rz = useRz();
  const keys = useApiQuery('api-keys', (c) => c.ok(c.api.GET('/api-keys')));
  const revoke = useConfirmedAction(
    (k: ApiKeyView) =>
      rz
        .ok(rz.api.DELETE('/api-keys/{id}', { params: { path: { id: k.id } } }))
        .then(() => undefined),
    keys.reload,
  );

  return (
    <section>
      <div className="page-head">
        <h1>API keys</h1>
      </div>
      <ErrorMessage error={keys.error} />
      <div className="table-wrap">
        <table data-testid="api-keys-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Owner</th>
              <th scope="col">Role</th>
              <th scope="col">Prefix</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Revoked</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(keys.data ?? []).map((k) => (
              <tr key={k.id} data-testid="api-key-row" data-api-key-id={k.id}>
                <td>{k.name}</td>
                <td>{k.owner}</td>
                <td>{k.role}</td>
                <td className="mono">{k.keyPrefix}…</td>
                <td>{formatTime(k.createdAt)}</td>
                <td>{k.lastUsedAt ? formatTime(k.lastUsedAt) : 'never'}</td>
                <td>{k.revokedAt ? formatTime(k.revokedAt) : '—'}</td>
                <td>
                  {!k.revokedAt && (
                    <button
                      type="button"
                      className="danger small"
                      onClick={() => revoke.ask(k)}
                      aria-label={`Revoke ${k.name}`}
                      data-testid="revoke-api-key"
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ApiKeyForm onCreated={keys.reload} />
      <ConfirmActionDialog action={revoke} verb="Revoke" confirmTestId="confirm-revoke-api-key">
        <p>Requests with this key are refused from now on. This cannot be undone.</p>
      </ConfirmActionDialog>
    </section>
  );
}
