# syntax=docker/dockerfile:1
# The composite worker: room composite and web egress (Chromium on Xvfb, PulseAudio, GStreamer),
# with the built default templates it serves to Chromium.
#   docker build -f docker/composite-worker.Dockerfile -t egress-composite-worker .  (repo root)
# Run it with a large /dev/shm for Chromium (compose: shm_size; Kubernetes: a memory emptyDir)
# and an init that reaps orphans (compose: init: true; Kubernetes: shareProcessNamespace).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# pnpm's bundled node-gyp ignores npm's nodedir setting and would fetch Node's headers from
# nodejs.org; the official node image keeps them in /usr/local/include/node (scripts/setup uses
# /usr, where Debian's nodejs puts them).
ENV npm_config_nodedir=/usr/local \
    PUPPETEER_SKIP_DOWNLOAD=1 TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
WORKDIR /src
COPY package.json ./
# The pnpm version comes from package.json's packageManager, as in scripts/setup.
RUN npm install -g --no-fund --no-audit --loglevel=error \
      "pnpm@$(node -p "require('./package.json').packageManager.split('@')[1]")"
COPY . .
RUN --mount=type=cache,id=egress-pnpm-store,target=/root/.local/share/pnpm/store \
    pnpm install --frozen-lockfile --reporter=append-only \
      --filter '@egress/composite-worker...' --filter '@egress/templates...' \
 && pnpm exec turbo run build --output-logs=errors-only \
      --filter '@egress/composite-worker...' --filter @egress/templates \
 && pnpm deploy --filter @egress/composite-worker --prod /deploy/composite-worker \
 && rm -rf /deploy/composite-worker/src /deploy/composite-worker/.turbo

FROM ${NODE_IMAGE} AS runtime
COPY scripts/system-packages.txt /tmp/system-packages.txt
COPY docker/install-system-packages /usr/local/sbin/
# Everything scripts/setup installs except headers and what only tests use (Redis runs as its
# own service; ffmpeg checks test outputs; iproute2 builds the test network namespace).
RUN install-system-packages /tmp/system-packages.txt --except '.*-dev|redis-server|ffmpeg|iproute2' \
 && install -d -m 1777 /tmp/.X11-unix
# Each egress starts its own Xvfb (sockets in /tmp/.X11-unix, created above for a non-root X)
# and its own sink on the one PulseAudio daemon the entrypoint starts.
ENV NODE_ENV=production \
    EGRESS_STATE_DIR=/tmp/egress-services \
    PULSE_RUNTIME_PATH=/tmp/egress-services/pulse
# The repository's layout, so paths relative to the worker (../templates/dist, ../../scripts)
# are the same here as in a checkout.
COPY --from=build /deploy/composite-worker /srv/egress/apps/composite-worker
COPY --from=build /src/apps/templates/dist /srv/egress/apps/templates/dist
COPY scripts/services /srv/egress/scripts/services
COPY docker/composite-worker-entrypoint /usr/local/bin/
WORKDIR /srv/egress/apps/composite-worker
# `local_output_dir` defaults to ./out; the app's own files stay read-only to it.
RUN install -d -o node -g node out
USER node
ENTRYPOINT ["composite-worker-entrypoint"]
CMD ["node", "dist/main.js"]
