# syntax=docker/dockerfile:1
# One image definition for both apps; pick one with --target (identity-server is the default).
#   docker build -t nest-sso .                                   # the identity server
#   docker build -t nest-sso-example --target example-service .  # the example service
#   docker build -t nest-sso-example-web --target example-web .  # the example web app (OIDC)
#
# The Node.js the image runs: the version the tests run on (the `node` devDependency; a unit test
# checks they agree), pinned by the digest of node:<version>-slim's multi-arch index so that a
# rebuild gets the same base. To move on: change both, with the digest from
# `docker buildx imagetools inspect node:<version>-slim`.
ARG NODE_VERSION=26.10.0
ARG NODE_IMAGE=node:${NODE_VERSION}-slim@sha256:ec7758ee051e457b468b32bde57b0879010b325bb9862718e9615225ce4aaae1

# Production dependencies only, installed on their own. --legacy-peer-deps: TypeScript is an
# optional peer dependency of @nestjs/swagger (for its compiler plugin, never used at run time);
# since TypeScript is also our dev dependency, the lockfile marks it "devOptional", which
# --omit=dev alone keeps (23 MB). Ignoring peer edges leaves it a dev dependency, so it goes. The
# embedded database (PGlite) is a dev dependency too: the image runs on PostgreSQL.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --legacy-peer-deps --no-audit --no-fund

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=dependencies /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
# `nest-sso <command>` anywhere in the container (docker compose exec, a Kubernetes init container).
# The key store is the one place the non-root user writes to (keys:generate with Compose).
RUN ln -s /app/bin/nest-sso /usr/local/bin/nest-sso \
  && mkdir -p /keys && chown node:node /keys
USER node

FROM runtime AS example-service
ENV PORT=3001
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/example-service/src/main.js"]

FROM runtime AS example-web
ENV PORT=4000
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/example-web/src/main.js"]

FROM runtime AS identity-server
ENV PORT=3000 SSO_KEY_STORE_ROOT=/keys
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/identity-server/src/main.js"]
