# syntax=docker/dockerfile:1
# Tasklane's server: `docker build -t tasklane .` then
#   docker run -p 3000:3000 -v tasklane-data:/data tasklane
# The build stage installs every dependency (better-sqlite3 compiles its native addon here, with the
# toolchain of the full image, unless a prebuilt binary for this Node is found) and bundles the server;
# the runtime stage gets the bundle and the production dependencies only, and runs as a non-root user.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
# The manifests first, so that the dependency layers are rebuilt only when they change.
COPY package.json package-lock.json .npmrc ./
COPY server/package.json server/
COPY sdk/package.json sdk/
COPY examples/quickstart/package.json examples/quickstart/
COPY examples/live-watcher/package.json examples/live-watcher/
# No lifecycle scripts yet: the root's prepare would build the server before its sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# Bundle the server, then keep the production dependencies only, with better-sqlite3's addon built.
RUN npm run build \
  && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/server/package.json ./server/
COPY --from=build /app/server/bin ./server/bin
COPY --from=build /app/server/dist ./server/dist
# The image's `node` user owns only the data directory; the code stays read-only to the server.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Ready means the database answers (and Redis, when configured): what /readyz reports.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker run … tasklane migrate` or `… backup /data/backups/today` run the CLI's other commands.
ENTRYPOINT ["node", "server/bin/tasklane.js"]
CMD ["serve"]
