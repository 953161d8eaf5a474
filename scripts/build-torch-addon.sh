#!/usr/bin/env bash
# Builds the torch backend's N-API addon (src/engine/torch/native) with node-gyp.
#
#   bash scripts/build-torch-addon.sh          CPU: Debian's libtorch-dev and OpenBLAS, installed with apt-get
#                                              when absent (root); `npm test` and `npm run demo`
#                                              run this
#   RZERO_LIBTORCH_DIR=/path/to/torch bash scripts/build-torch-addon.sh
#                                              any libtorch (a PyTorch installation's torch/ folder,
#                                              CUDA or CPU, or a libtorch zip)
#   RZERO_LIBTORCH_DIR=python bash scripts/build-torch-addon.sh
#                                              the torch package of `python3` (RZERO_PYTHON)
#
# Skips the build when the addon is up to date (sources, libtorch location and Node unchanged).
# A failed build is reported with its reason and leaves no addon behind: the engine then falls
# back to another backend (RZERO_BACKEND=auto) and says why. Exit status: 0 built or up to date,
# 1 failed (callers that treat the addon as optional ignore it).
set -uo pipefail
cd "$(dirname "$0")/.."
dir=src/engine/torch/native
out="$dir/build/Release"
log="$dir/build-torch-addon.log"

say() { echo "build-torch-addon: $*" >&2; }
fail() {
  say "FAILED: $*"
  say "the torch backend is unavailable; RZERO_BACKEND=auto falls back to wasm"
  rm -f "$out/rzero_torch.node" "$out/rzero_torch_impl.node"
  exit 1
}

if [ "${RZERO_LIBTORCH_DIR:-}" = python ]; then
  py="${RZERO_PYTHON:-python3}"
  RZERO_LIBTORCH_DIR=$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))') ||
    fail "$py cannot import torch"
  RZERO_TORCH_CXX11_ABI=$("$py" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  export RZERO_TORCH_CXX11_ABI
fi
if [ -n "${RZERO_LIBTORCH_DIR:-}" ]; then
  export RZERO_LIBTORCH_DIR
  say "libtorch from $RZERO_LIBTORCH_DIR (C++11 ABI ${RZERO_TORCH_CXX11_ABI:-1})"
elif [ ! -f /usr/include/ATen/ATen.h ]; then
  if [ "$(id -u)" != 0 ]; then
    fail "libtorch-dev is not installed; install it with: sudo apt-get install -y libtorch-dev"
  fi
  say "installing libtorch-dev (Debian's PyTorch C++ library, about 1 minute)"
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1
  { apt-get update -qq && apt-get install -y -qq libtorch-dev libopenblas0-pthread; } >"$log" 2>&1 ||
    fail "apt-get install libtorch-dev: $(tail -n 3 "$log" | tr '\n' ' ')"
fi

# Debian's libtorch does its matrix products through libblas.so.3, whichever BLAS the alternatives
# system points that at. libtorch-dev alone pulls in the reference BLAS (netlib), with which a
# training step of arith-small takes 27 s instead of 1.3 s (measured): install OpenBLAS beside it.
if [ -z "${RZERO_LIBTORCH_DIR:-}" ] && [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] &&
  [ ! -e /usr/lib/aarch64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing libopenblas0-pthread (an optimised BLAS for Debian's libtorch, about 20 s)"
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1
    { apt-get update -qq && apt-get install -y -qq libopenblas0-pthread; } >"$log" 2>&1 ||
      say "WARNING: apt-get install libopenblas0-pthread failed; the torch backend runs on the reference BLAS (about 20x slower)"
  else
    say "WARNING: only the reference BLAS is installed; the torch backend is about 20x slower. Install it with: sudo apt-get install -y libopenblas0-pthread"
  fi
fi

# Node's headers: node-gyp would download them, which fails offline; use the running Node's own.
nodedir="${npm_config_nodedir:-$(node -p 'require("path").resolve(process.execPath, "../..")')}"
[ -f "$nodedir/include/node/node_api.h" ] || nodedir=/usr
[ -f "$nodedir/include/node/node_api.h" ] ||
  fail "Node's headers (include/node/node_api.h) are not next to $(command -v node); set npm_config_nodedir"

stamp="$(cat "$dir"/*.cc "$dir"/*.c "$dir"/binding.gyp "$dir"/libtorch-config.cjs | sha256sum | cut -c1-16) \
${RZERO_LIBTORCH_DIR:-debian} ${RZERO_TORCH_CXX11_ABI:-1} $(node -v)"
if [ -f "$out/rzero_torch.node" ] && [ -f "$out/rzero_torch_impl.node" ] &&
  [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi

gyp=node_modules/node-gyp/bin/node-gyp.js
[ -f "$gyp" ] || fail "node-gyp is not installed (run npm ci)"
say "building the torch addon (node-gyp, about 15 s)"
start=$(date +%s)
if ! node "$gyp" rebuild --directory="$dir" --nodedir="$nodedir" -j 2 >"$log" 2>&1; then
  fail "node-gyp: $(grep -m 3 -E 'error|Error' "$log" | tr '\n' ' ') (full log: $log)"
fi
echo "$stamp" >"$out/stamp"
# The addon must load here (libtorch's libraries found, symbols resolved).
node -e "require('./$out/rzero_torch.node').info()" >>"$log" 2>&1 ||
  fail "the built addon does not load: $(tail -n 2 "$log" | tr '\n' ' ')"
say "built in $(($(date +%s) - start)) s"
