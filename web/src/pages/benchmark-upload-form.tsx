import { useRef, useState, type FormEvent } from 'react';
import { useRz } from '../api/auth-context';
import { useUpload } from '../api/use-upload';
import { UploadFooter } from '../components/upload-progress';

type Domain = 'arith' | 'math';

/** Uploads a JSONL benchmark; the API refuses a file with any bad line and lists them all. */
export function BenchmarkUploadForm({ onUploaded }: { onUploaded: () => void }) {
  const rz = useRz();
  const fileRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [domain, setDomain] = useState<Domain>('math');
  const { progress, error, setError, run } = useUpload();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const file = fileRef.current?.files?.[0];
    if (!file) return setError(new Error('Choose a JSONL file first.'));
    if (!name.trim()) return setError(new Error('Give the benchmark a name.'));
    const ok = await run(file.size, (onProgress) =>
      rz.uploadBenchmark(
        { name: file.name, data: file },
        { name: name.trim(), domain, onProgress },
      ),
    );
    if (!ok) return;
    form.reset();
    setName('');
    onUploaded();
  };

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby="upload-benchmark-title">
      <h2 id="upload-benchmark-title">Upload a benchmark</h2>
      <p className="hint">
        JSONL: one <code>{'{"question", "answer"}'}</code> per line, or GSM8K lines whose answer
        ends in <code>#### &lt;answer&gt;</code>.
      </p>
      <div className="field">
        <label htmlFor="benchmark-file">File</label>
        <input
          id="benchmark-file"
          ref={fileRef}
          type="file"
          accept=".jsonl,.json,application/jsonl,text/plain"
          data-testid="benchmark-upload-file"
        />
      </div>
      <div className="field">
        <label htmlFor="benchmark-name">Name</label>
        <input
          id="benchmark-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          data-testid="benchmark-upload-name"
        />
      </div>
      <div className="field">
        <label htmlFor="benchmark-domain">Domain</label>
        <select
          id="benchmark-domain"
          value={domain}
          onChange={(e) => setDomain(e.target.value as Domain)}
          data-testid="benchmark-upload-domain"
        >
          <option value="math">math</option>
          <option value="arith">arith</option>
        </select>
      </div>
      <UploadFooter progress={progress} error={error} testPrefix="benchmark-upload" />
    </form>
  );
}
