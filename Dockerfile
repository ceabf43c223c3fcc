# syntax=docker/dockerfile:1
# One image definition for both apps; pick one with --target (identity-server is the default).
#   docker build -t nest-sso .                                   # the identity server
#   docker build -t nest-sso-example --target example-service .  # the example service
ARG NODE_VERSION=26

FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
# Build, then drop the dev dependencies so that only production ones reach the final image.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# Writable places for the non-root user: the key store and the embedded database's folder.
RUN mkdir -p /keys /data && chown node:node /keys /data
USER node

FROM runtime AS example-service
ENV PORT=3001
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/example-service/src/main.js"]

FROM runtime AS identity-server
ENV PORT=3000 SSO_KEY_STORE_ROOT=/keys SSO_DATA_DIR=/data
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/identity-server/src/main.js"]
