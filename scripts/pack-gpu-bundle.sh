#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine without network or Node: this Node binary
# and its headers, the compiled project (dist/), the addon's sources and the runtime packages.
# Run after `npx tsc -p tsconfig.json`. Writes gpu-bundle.tar.gz and prints its size (the device
# tool carries at most 64 MiB; measured here: 55 MB). Source maps, type declarations and the
# browser bundles of the packages are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/rzero/node-bin/bin" "$stage/rzero/node-bin/include"
cp "$(command -v node)" "$stage/rzero/node-bin/bin/node"
nodedir="$(node -p 'require("path").resolve(process.execPath, "../..")')"
[ -d "$nodedir/include/node" ] || nodedir=/usr
cp -r "$nodedir/include/node" "$stage/rzero/node-bin/include/"
# Only what the engine, its tests and node-gyp load: those packages and their dependencies,
# followed through node_modules (the service, the panel and the dev tools stay here).
packages=$(node -e '
  const { existsSync, readFileSync } = require("fs");
  const roots = ["@tensorflow/tfjs", "@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu",
    "@tensorflow/tfjs-backend-wasm", "@huggingface/tokenizers", "@huggingface/jinja",
    "node-addon-api", "node-gyp"];
  const seen = new Set();
  const visit = (name) => {
    const dir = "node_modules/" + name;
    if (seen.has(dir) || !existsSync(dir + "/package.json")) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(dir + "/package.json", "utf8"));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep);
  };
  roots.forEach(visit);
  console.log([...seen].join("\n"));')
tar -cf - package.json dist/src/engine dist/test/engine dist/test/helpers dist/scripts/bench-engine.js \
  src/engine/torch/native/{binding.gyp,libtorch-config.cjs,loader.c,torch_backend.cc} \
  scripts/build-torch-addon.sh scripts/gpu-check.sh test/reference \
  --exclude='*.map' --exclude='*.d.ts' --exclude='*.min.js' --exclude='*.es2017.js' \
  --exclude='*.fesm.js' --exclude='*.esm.js' --exclude='miniprogram' --exclude='__pycache__' \
  $packages |
  tar -xf - -C "$stage/rzero"
# The trainer test's golden vectors (official verl outputs), found as shared/ beside rzero/.
if [ -d ../shared/golden ]; then
  mkdir -p "$stage/shared" && cp -r ../shared/golden "$stage/shared/"
fi
tar -czf gpu-bundle.tar.gz -C "$stage" rzero $( [ -d "$stage/shared" ] && echo shared)
echo "pack-gpu-bundle: gpu-bundle.tar.gz, $(du -h gpu-bundle.tar.gz | cut -f1)"
