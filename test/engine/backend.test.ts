import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backendInfo,
  initBackend,
  parseBackendRequest,
  BackendError,
} from '../../src/engine/backend';

describe('backend selection', () => {
  test('RZERO_BACKEND values are checked', () => {
    assert.equal(parseBackendRequest(undefined), 'auto');
    assert.equal(parseBackendRequest(' WASM '), 'wasm');
    assert.throws(
      () => parseBackendRequest('cuda'),
      (e: unknown) => e instanceof BackendError && /RZERO_BACKEND="cuda"/.test(e.message),
    );
  });

  test('auto picks tensorflow when it loads, else wasm, and reports what it skipped and why', async () => {
    const info = await initBackend('auto');
    assert.equal(backendInfo(), info);
    let tensorflow = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      tensorflow = false;
    }
    if (tensorflow) assert.equal(info.backend, 'tensorflow');
    else {
      assert.equal(info.backend, 'wasm');
      assert.equal(info.skipped[0]?.backend, 'tensorflow');
      assert.match(info.skipped[0]!.reason, /tfjs-node/);
    }
    assert.ok(info.device.length > 0 && info.package.startsWith('@tensorflow/'));
    // Once chosen, the backend cannot silently change under live tensors.
    const other = backendInfo()!.backend === 'cpu' ? 'wasm' : 'cpu';
    await assert.rejects(initBackend(other), BackendError);
  });
});
