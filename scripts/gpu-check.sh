#!/usr/bin/env bash
# The torch backend on an NVIDIA GPU, in one command, on a machine with a PyTorch (CUDA) install,
# no network and no Node of its own: builds the addon against PyTorch's libtorch, runs the
# engine's parity, KV-cache, trainer and torch-backend tests on the GPU, then the engine
# benchmark on the GPU, and prints its JSON last.
#
#   On this machine:  bash scripts/pack-gpu-bundle.sh     -> gpu-bundle.tar.gz (Node + the built
#                                                            project, compressed)
#   On the GPU one:   tar xzf gpu-bundle.tar.gz && cd rzero && bash scripts/gpu-check.sh
#
#   RZERO_PYTHON (default python3): the python whose torch to build against and to compare with.
set -euo pipefail
cd "$(dirname "$0")/.."
py="${RZERO_PYTHON:-python3}"
if [ -x node-bin/bin/node ]; then export PATH="$PWD/node-bin/bin:$PATH" npm_config_nodedir="$PWD/node-bin"; fi
command -v node >/dev/null || { echo "gpu-check: no node (pack it with scripts/pack-gpu-bundle.sh)" >&2; exit 1; }
"$py" -c 'import torch; assert torch.cuda.is_available(), "no CUDA device visible to PyTorch"; print("gpu-check: PyTorch", torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))' >&2

RZERO_LIBTORCH_DIR=python RZERO_PYTHON="$py" bash scripts/build-torch-addon.sh
export RZERO_BACKEND=torch RZERO_DEVICE=cuda RZERO_TORCH_PYTHON="$(command -v "$py")"
node -e "require('./dist/src/engine/backend').initBackend().then(i => console.error('gpu-check: backend', JSON.stringify(i)))"
node --test --test-reporter=dot \
  dist/test/engine/parity.test.js dist/test/engine/model.test.js dist/test/engine/trainer.test.js \
  dist/test/engine/torch-kernels.test.js dist/test/engine/torch-fused.test.js >&2
RZERO_REFERENCE_DEVICE=cuda node dist/scripts/bench-engine.js --json --backends torch --threads 1
