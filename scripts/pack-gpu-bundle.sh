#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine without network or Node: this Node binary
# and its headers, the compiled project (dist/), the addon's sources and the runtime packages.
# Run after `npx tsc -p tsconfig.json`. Writes gpu-bundle.tar.gz and prints its size.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/rzero/node-bin/bin" "$stage/rzero/node-bin/include"
cp "$(command -v node)" "$stage/rzero/node-bin/bin/node"
nodedir="$(node -p 'require("path").resolve(process.execPath, "../..")')"
[ -d "$nodedir/include/node" ] || nodedir=/usr
cp -r "$nodedir/include/node" "$stage/rzero/node-bin/include/"
# Only what the engine, its tests and node-gyp load (the service, panel and dev tools stay here).
tar -cf - package.json dist/src/engine dist/test/engine dist/test/helpers dist/scripts/bench-engine.js \
  src/engine/torch/native/{binding.gyp,libtorch-config.cjs,loader.c,torch_backend.cc} \
  scripts/build-torch-addon.sh scripts/gpu-check.sh test/reference \
  node_modules/@tensorflow/tfjs-core node_modules/@tensorflow/tfjs-backend-cpu \
  node_modules/@tensorflow/tfjs node_modules/@tensorflow/tfjs-layers node_modules/@tensorflow/tfjs-converter \
  node_modules/@tensorflow/tfjs-data node_modules/@tensorflow/tfjs-backend-webgl node_modules/@tensorflow/tfjs-backend-wasm \
  node_modules/node-addon-api node_modules/node-gyp $(cd node_modules && ls -d */ | sed 's|/$||' |
    grep -vE '^(@tensorflow|typescript|webgpu|@rolldown|vega.*|@redocly|playwright-core|es-toolkit|typeorm|@nestjs|eslint.*|@typescript-eslint|prettier|openapi-typescript|ts-json-schema-generator|@resvg|web|openapi|@rzero-service)$' |
    sed 's|^|node_modules/|') | tar -xf - -C "$stage/rzero"
tar -czf gpu-bundle.tar.gz -C "$stage" rzero
echo "pack-gpu-bundle: gpu-bundle.tar.gz, $(du -h gpu-bundle.tar.gz | cut -f1)"
