# One image for both parts; the compose file picks the command (portal or gateway).
# Every workspace's manifest, once: both install stages start from it, so npm ci sees every workspace.
FROM node:20-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/gateway/package.json apps/gateway/
COPY apps/portal/package.json apps/portal/
COPY apps/all-in-one/package.json apps/all-in-one/
COPY apps/web/package.json apps/web/
COPY packages/db/package.json packages/db/
COPY packages/domain/package.json packages/domain/
COPY packages/providers/package.json packages/providers/
COPY packages/limiter/package.json packages/limiter/
COPY packages/jobs/package.json packages/jobs/
COPY packages/prompts/package.json packages/prompts/

FROM manifests AS build
# better-sqlite3 builds its native addon from source when no prebuilt binary is reachable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
RUN npm ci --no-audit --no-fund --omit=dev

# The web app the portal serves at /: built with Vite (a dev dependency), only its dist is kept.
FROM manifests AS web
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY apps/web apps/web
RUN npm run build:web

# The servers as plain JavaScript (scripts/build.mjs: esbuild bundles the workspace packages into dist/).
FROM manifests AS servers
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN node scripts/build.mjs

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TOLLGATE_DATA_DIR=/data TOLLGATE_PORTAL_HOST=0.0.0.0 TOLLGATE_GATEWAY_HOST=0.0.0.0
COPY --from=build /app/node_modules ./node_modules
COPY . .
COPY --from=web /app/apps/web/dist ./apps/web/dist
COPY --from=servers /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080 8081
CMD ["node", "dist/all-in-one.mjs"]
