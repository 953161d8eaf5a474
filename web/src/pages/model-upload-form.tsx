import { useRef, useState, type FormEvent } from 'react';
import { useRz } from '../api/auth-context';
import { useUpload } from '../api/use-upload';
import { UploadFooter } from '../components/upload-progress';

/** Uploads a Hugging Face model directory's files (config, safetensors, tokenizer). */
export function ModelUploadForm({ onUploaded }: { onUploaded: () => void }) {
  const rz = useRz();
  const filesRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const { progress, error, setError, run } = useUpload();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const files = [...(filesRef.current?.files ?? [])];
    if (files.length === 0) return setError(new Error('Choose the model files first.'));
    const total = files.reduce((n, f) => n + f.size, 0);
    const ok = await run(total, (onProgress) =>
      rz.uploadModel(
        files.map((f) => ({ name: f.name, data: f })),
        { name: name.trim() || undefined, onProgress },
      ),
    );
    if (!ok) return;
    form.reset();
    setName('');
    onUploaded();
  };

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="upload-model-title">
      <h2 id="upload-model-title">Upload a model</h2>
      <p className="hint">
        The files of a Hugging Face model directory: config.json, model.safetensors (or its shards
        and index), tokenizer.json, tokenizer_config.json.
      </p>
      <div className="field">
        <label htmlFor="model-files">Files</label>
        <input
          id="model-files"
          ref={filesRef}
          type="file"
          multiple
          data-testid="model-upload-files"
        />
      </div>
      <div className="field">
        <label htmlFor="model-name">Name (optional)</label>
        <input
          id="model-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          data-testid="model-upload-name"
        />
      </div>
      <UploadFooter progress={progress} error={error} testPrefix="model-upload" />
    </form>
  );
}
