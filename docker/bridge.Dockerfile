# syntax=docker/dockerfile:1
# The bridge: psrpc and Twirp intake, state, webhooks, Bull Board, /metrics. No system packages.
#   docker build -f docker/bridge.Dockerfile -t egress-bridge .      (from the repository root)
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
    pnpm install --frozen-lockfile --reporter=append-only --filter '@egress/bridge...' \
 && pnpm exec turbo run build --filter '@egress/bridge...' --output-logs=errors-only \
 && pnpm deploy --filter @egress/bridge --prod /deploy/bridge \
 && rm -rf /deploy/bridge/src /deploy/bridge/.turbo

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
COPY --from=build /deploy/bridge /srv/egress/apps/bridge
WORKDIR /srv/egress/apps/bridge
# `local_output_dir` defaults to ./out; the app's own files stay read-only to it.
RUN install -d -o node -g node out
USER node
# api_port (Twirp, /health, /metrics, Bull Board)
EXPOSE 7981
CMD ["node", "dist/main.js"]
