import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  backendInfo,
  initBackend,
  parseBackendRequest,
  BackendError,
} from '../../src/engine/backend';
import { addonPath } from '../../src/engine/torch/addon';
import { repoRoot } from '../helpers/engine';

/** initBackend(request) in a fresh process with `env`; returns its BackendInfo or its error. */
function selectInChild(
  request: string,
  env: Record<string, string>,
): { info?: Record<string, unknown>; error?: string } {
  const backend = join(repoRoot, 'dist', 'src', 'engine', 'backend.js');
  const script = `require(${JSON.stringify(backend)}).initBackend(${JSON.stringify(request)})
    .then((i) => console.log(JSON.stringify({ info: i })))
    .catch((e) => console.log(JSON.stringify({ error: e.name + ': ' + e.message })));`;
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('backend selection', () => {
  test('RZERO_BACKEND values are checked', () => {
    assert.equal(parseBackendRequest(undefined), 'auto');
    assert.equal(parseBackendRequest(' WASM '), 'wasm');
    assert.equal(parseBackendRequest('torch'), 'torch');
    assert.throws(
      () => parseBackendRequest('cuda'),
      (e: unknown) => e instanceof BackendError && /RZERO_BACKEND="cuda"/.test(e.message),
    );
  });

  test('auto picks torch when its addon is built, and reports device and threads', async () => {
    const info = await initBackend('auto');
    assert.equal(backendInfo(), info);
    if (existsSync(addonPath())) {
      assert.equal(info.backend, 'torch');
      assert.deepEqual(info.skipped, []);
      assert.match(info.package, /libtorch \d+\.\d+/);
      assert.match(info.device, /^(CPU, libtorch|CUDA GPU)/);
      assert.ok(info.threads !== null && info.threads >= 1);
    } else {
      // Only where the addon could not be built: the fallback and the reason are reported.
      assert.equal(info.skipped[0]?.backend, 'torch');
      assert.match(info.skipped[0]!.reason, /not built/);
    }
    // Once chosen, the backend cannot silently change under live tensors.
    const other = backendInfo()!.backend === 'cpu' ? 'wasm' : 'cpu';
    await assert.rejects(initBackend(other), BackendError);
  });

  test('a missing addon: auto falls back to wasm and says why; an explicit torch fails clearly', () => {
    const env = { RZERO_TORCH_ADDON: join(tmpdir(), 'no-such-dir', 'rzero_torch.node') };
    const auto = selectInChild('auto', env);
    assert.equal(auto.info?.backend, 'wasm');
    const skipped = auto.info?.skipped as { backend: string; reason: string }[];
    assert.equal(skipped[0]?.backend, 'torch');
    assert.match(skipped[0]!.reason, /torch addon is not built .*build-torch-addon\.sh/);
    assert.equal(skipped[1]?.backend, 'tensorflow');
    const explicit = selectInChild('torch', env);
    assert.match(explicit.error ?? '', /^BackendError: the torch addon is not built/);
  });

  test('a broken addon: auto falls back with the loader error, without the server path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rzero-broken-addon-'));
    try {
      const path = join(dir, 'rzero_torch.node');
      writeFileSync(path, 'not a shared library');
      const auto = selectInChild('auto', { RZERO_TORCH_ADDON: path });
      assert.equal(auto.info?.backend, 'wasm');
      const reason = (auto.info?.skipped as { reason: string }[])[0]!.reason;
      assert.match(reason, /^the torch addon does not load: /);
      assert.ok(!reason.includes(dir), `the reason names no server path: ${reason}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('RZERO_DEVICE and RZERO_THREADS are checked; cuda without a CUDA libtorch is refused', () => {
    if (!existsSync(addonPath())) return;
    const bad = selectInChild('torch', { RZERO_DEVICE: 'gpu' });
    assert.match(bad.error ?? '', /RZERO_DEVICE="gpu": expected auto, cpu, cuda/);
    const threads = selectInChild('torch', { RZERO_THREADS: 'many' });
    assert.match(threads.error ?? '', /RZERO_THREADS="many"/);
    const one = selectInChild('torch', { RZERO_THREADS: '1', RZERO_DEVICE: 'cpu' });
    assert.equal(one.info?.threads, 1);
    const cuda = selectInChild('torch', { RZERO_DEVICE: 'cuda' });
    if (cuda.info) assert.match(String(cuda.info.device), /^CUDA GPU cuda:0/);
    else
      assert.match(
        cuda.error ?? '',
        /RZERO_DEVICE=cuda, but this libtorch .* (built without CUDA|sees no GPU)/,
      );
  });
});
