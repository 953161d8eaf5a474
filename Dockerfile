# syntax=docker/dockerfile:1
#
# rzero-service image: one image, two entry points (api: the default CMD; worker: `node dist/src/worker.js`).
#
#   docker build -t rzero-service .                      CPU image: the torch backend over Debian's
#        libtorch (RZERO_BACKEND=auto picks it; wasm when it cannot load)
#   docker build -t rzero-service:gpu --build-arg VARIANT=gpu .
#        GPU image: a PyTorch CUDA runtime base; the torch addon is built there against that PyTorch's
#        libtorch (RZERO_DEVICE=auto picks cuda:0); run with `docker run --gpus all ...`.
#
# The optional tfjs-node packages download libtensorflow at install time, so both builds skip them
# (npm ci --omit=optional); tfjs-node-gpu stays usable by installing it into an image by hand.

ARG VARIANT=cpu

# ---- build: compile TypeScript with the dev dependencies --------------------------------------
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends g++ make python3 libtorch-dev \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY openapi/package.json ./openapi/package.json
COPY web/package.json ./web/package.json
RUN npm ci --omit=optional --ignore-scripts --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY src ./src
COPY scripts ./scripts
COPY migrations ./migrations
COPY test ./test
COPY openapi ./openapi
COPY web ./web
# The api (dist/), and the admin panel (web/dist/, static files the api serves at /admin).
# The CPU torch addon (the GPU image rebuilds it against its own libtorch below).
RUN npx tsc -p tsconfig.json && npm run build -w web && bash scripts/build-torch-addon.sh \
  && npm prune --omit=dev --omit=optional

# ---- runtime bases -------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime-cpu
RUN apt-get update && apt-get install -y --no-install-recommends libtorch1.13 libopenblas0-pthread \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/src/engine/torch/native/build/Release/rzero_torch.node /app/src/engine/torch/native/build/Release/rzero_torch_impl.node ./src/engine/torch/native/build/Release/

FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime AS runtime-gpu
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates g++ make \
  && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - \
  && apt-get install -y --no-install-recommends nodejs \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The addon against this image's PyTorch (CUDA libtorch, its C++ ABI read from python).
COPY src/engine/torch/native ./src/engine/torch/native
COPY scripts/build-torch-addon.sh ./scripts/build-torch-addon.sh
RUN npm install --no-save --no-package-lock --no-audit --no-fund node-gyp@11 node-addon-api@8 \
  && RZERO_LIBTORCH_DIR=python bash scripts/build-torch-addon.sh \
  && rm -rf node_modules src/engine/torch/native/build/Release/obj.target

# ---- final ------------------------------------------------------------------------------------------
FROM runtime-${VARIANT} AS final
ARG VARIANT
ENV NODE_ENV=production \
    PORT=3000 \
    RZERO_ARTIFACT_DIR=/data/artifacts \
    RZERO_BACKEND=auto
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY package.json package-lock.json ./
COPY assets ./assets
# Served at /openapi.json and /docs.
COPY openapi/openapi.json ./openapi/openapi.json
RUN mkdir -p /data/artifacts && (id node >/dev/null 2>&1 || useradd -m node) \
  && chown -R node:node /data
USER node
VOLUME ["/data/artifacts"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Migrations: `docker run ... node dist/scripts/migrate.js` (the compose file runs it before the api).
CMD ["node", "dist/src/main.js"]
