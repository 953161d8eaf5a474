import { useState } from 'react';
import type { ModelView } from '@rzero/client';
import { useAuth } from '../api/auth-context';
import { useConfirmedAction } from '../api/use-confirmed-action';
import { useDownload } from '../api/use-download';
import { useModels } from '../api/use-models';
import { ConfirmActionDialog } from '../components/confirm-dialog';
import { DangerButton } from '../components/danger-button';
import { ErrorMessage } from '../components/error-message';
import { formatBytes, formatCompact, formatTime } from '../components/format';
import { TableHead } from '../components/table-head';
import { ModelUploadForm } from './model-upload-form';

const BUILTIN = 'arith-tiny';

export function ModelsPage() {
  const { rz, isAdmin } = useAuth();
  const models = useModels();
  const [registerError, setRegisterError] = useState<unknown>(null);

  const registerBuiltin = async () => {
    setRegisterError(null);
    try {
      await rz.ok(rz.api.POST('/models', { body: { builtin: BUILTIN } }));
      models.reload();
    } catch (err) {
      setRegisterError(err);
    }
  };

  const remove = useConfirmedAction(
    (m: ModelView) =>
      rz
        .ok(rz.api.DELETE('/models/{id}', { params: { path: { id: m.id } } }))
        .then(() => undefined),
    models.reload,
  );
  const download = useDownload();

  return (
    <section>
      <div className="page-head">
        <h1>Models</h1>
        <button type="button" onClick={registerBuiltin} data-testid="register-builtin">
          Register built-in {BUILTIN}
        </button>
      </div>
      <ErrorMessage error={registerError ?? download.error ?? models.error} />
      <div className="table-wrap">
        <table data-testid="models-table">
          <TableHead
            columns={['Name', 'Architecture', 'Parameters', 'Size', 'Source', 'Created']}
            actions
          />
          <tbody>
            {(models.data ?? []).map((m) => (
              <tr key={m.id} data-testid="model-row" data-model-id={m.id}>
                <td>
                  {m.name}
                  {m.builtin && <span className="badge badge-builtin">built-in</span>}
                </td>
                <td>{m.architecture}</td>
                <td className="num">{formatCompact(m.parameterCount)}</td>
                <td className="num">{formatBytes(m.sizeBytes)}</td>
                <td>{m.source}</td>
                <td>{formatTime(m.createdAt)}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="small"
                    onClick={() => download.start(m.id, '/models/{id}/download', m.id)}
                    disabled={download.active !== null}
                    aria-label={`Download ${m.name}`}
                    data-testid="download-model"
                  >
                    {download.active === m.id ? 'Downloading…' : 'Download'}
                  </button>
                  {(isAdmin || !m.builtin) && (
                    <DangerButton
                      verb="Delete"
                      target={m.name}
                      onClick={() => remove.ask(m)}
                      testId="delete-model"
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {models.data?.length === 0 && (
        <p className="empty">No models yet: register {BUILTIN} or upload one.</p>
      )}
      <ModelUploadForm onUploaded={models.reload} />
      <ConfirmActionDialog action={remove} verb="Delete" confirmTestId="confirm-delete-model">
        <p>The model's files are removed. Runs that used it keep their own checkpoints.</p>
      </ConfirmActionDialog>
    </section>
  );
}
