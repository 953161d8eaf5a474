# syntax=docker/dockerfile:1
#
# rzero-service image: one image, two entry points (api: the default CMD; worker: `node dist/src/worker.js`).
#
#   docker build -t rzero-service .                      CPU image (tfjs wasm backend, SIMD)
#   docker build -t rzero-service:gpu --build-arg VARIANT=gpu .
#        GPU image: CUDA 11.8 + cuDNN 8 base and @tensorflow/tfjs-node-gpu (RZERO_BACKEND=auto picks it);
#        run with `docker run --gpus all ...`.
#
# The optional native tfjs packages download libtensorflow at install time, so the CPU build skips
# them (npm ci --omit=optional) and the GPU build installs tfjs-node-gpu explicitly.

ARG VARIANT=cpu

# ---- build: compile TypeScript with the dev dependencies --------------------------------------
FROM node:20-bookworm-slim AS build
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
RUN npx tsc -p tsconfig.json && npm run build -w web && npm prune --omit=dev --omit=optional

# ---- runtime bases -------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime-cpu
WORKDIR /app

FROM nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04 AS runtime-gpu
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
  && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - \
  && apt-get install -y --no-install-recommends nodejs build-essential python3 \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app

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
RUN if [ "$VARIANT" = "gpu" ]; then \
      npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0; \
    fi \
  && mkdir -p /data/artifacts && chown -R node:node /data 2>/dev/null || true
USER node
VOLUME ["/data/artifacts"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Migrations: `docker run ... node dist/scripts/migrate.js` (the compose file runs it before the api).
CMD ["node", "dist/src/main.js"]
