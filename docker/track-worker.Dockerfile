# syntax=docker/dockerfile:1
# The track worker: track, track composite and participant egress (@livekit/rtc-node's decoded
# frames written to `gst-launch-1.0 fdsrc` children over a pipe). Nothing to compile: rtc-node's
# FFI bindings come prebuilt.
#   docker build -f docker/track-worker.Dockerfile -t egress-track-worker .   (from the repo root)
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
    pnpm install --frozen-lockfile --reporter=append-only --filter '@egress/track-worker...' \
 && pnpm exec turbo run build --filter '@egress/track-worker...' --output-logs=errors-only \
 && pnpm deploy --filter @egress/track-worker --prod /deploy/track-worker \
 && rm -rf /deploy/track-worker/src /deploy/track-worker/.turbo

FROM ${NODE_IMAGE} AS runtime
COPY scripts/system-packages.txt /tmp/system-packages.txt
COPY docker/install-system-packages /usr/local/sbin/
# GStreamer and its plugins, without headers, test tools or the composite pool's browser stack.
RUN install-system-packages /tmp/system-packages.txt \
      --except '.*-dev|redis-server|ffmpeg|iproute2|chromium|xvfb|pulseaudio|pulseaudio-utils|fonts-.*'
ENV NODE_ENV=production
COPY --from=build /deploy/track-worker /srv/egress/apps/track-worker
WORKDIR /srv/egress/apps/track-worker
# `local_output_dir` defaults to ./out; the app's own files stay read-only to it.
RUN install -d -o node -g node out
USER node
CMD ["node", "dist/main.js"]
