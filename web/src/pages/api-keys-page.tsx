import type { ApiKeyView } from '@rzero/client';
import { useRz } from '../api/auth-context';
import { useApiQuery } from '../api/use-api-query';
import { useConfirmedAction } from '../api/use-confirmed-action';
import { ConfirmActionDialog } from '../components/confirm-dialog';
import { DangerButton } from '../components/danger-button';
import { ErrorMessage } from '../components/error-message';
import { formatTime } from '../components/format';
import { TableHead } from '../components/table-head';
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
          <TableHead
            columns={['Name', 'Owner', 'Role', 'Prefix', 'Created', 'Last used', 'Revoked']}
            actions
          />
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
                    <DangerButton
                      verb="Revoke"
                      target={k.name}
                      onClick={() => revoke.ask(k)}
                      testId="revoke-api-key"
                    />
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
