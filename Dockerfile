# syntax=docker/dockerfile:1

# Pin by digest in release pipelines: --build-arg NODE_IMAGE=node:24-slim@sha256:...
ARG NODE_IMAGE=node:24-slim

# The lockfile and every workspace's package.json, copied apart from the sources so that the
# dependency layers below are reused until a manifest changes, not after every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages ./packages
RUN mkdir /out \
 && cp package.json package-lock.json /out/ \
 && for manifest in packages/*/package.json; do \
      mkdir -p "/out/$(dirname "$manifest")" && cp "$manifest" "/out/$manifest"; \
    done

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /out ./
# No dependency needs an install script to compile; skipping them keeps postinstall code out of the build.
# The optional dependencies are a pinned Node for development machines and pg's Cloudflare socket:
# the image has its own Node.
RUN --mount=type=cache,target=/root/.npm \
    npm install --ignore-scripts --omit=optional --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY packages ./packages
RUN npm run build
# Compiled JavaScript plus every non-TypeScript asset (SQL migrations among them); sources, tests,
# declarations and build state stay behind.
RUN mkdir /runtime \
 && find packages -name node_modules -prune -o -type f \
      ! -name '*.ts' ! -name '*.d.ts.map' ! -name '*.tsbuildinfo' ! -name 'tsconfig*.json' -print \
    | tar -cf - -T - | tar -xf - -C /runtime

# Production dependencies in their own stage, so npm and its cache never reach the runtime image.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /out ./
RUN --mount=type=cache,target=/root/.npm \
    npm install --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="berth" \
      org.opencontainers.image.description="Cloud-native OCI container registry" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# A fixed numeric UID lets Kubernetes verify runAsNonRoot. Package managers are removed because
# the process is started with node directly and they are only attack surface at run time.
RUN groupadd --system --gid 10001 berth \
 && useradd --system --uid 10001 --gid berth --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin berth \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && mkdir /data \
 && chown berth:berth /data

WORKDIR /app
COPY --from=prod-deps /app ./
COPY --from=build /runtime ./
# The embedded default keeps its state under ./data; pointing it at /data gives one place to mount
# a volume without overriding settings that a config file may also set.
RUN ln -s /data /app/data \
 && ln -s /app/packages/cli/bin/berth.js /usr/local/bin/berth

ENV NODE_ENV=production \
    BERTH_HTTP_HOST=0.0.0.0

USER 10001:10001
EXPOSE 5000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.BERTH_HTTP_PORT || 5000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# `docker run IMAGE migrate` and `docker run IMAGE config check` reuse the same entrypoint;
# `berth` on the PATH is the same CLI, for `docker exec`.
ENTRYPOINT ["node", "packages/cli/dist/main.js"]
CMD ["serve"]
