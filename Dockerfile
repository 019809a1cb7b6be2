# The service alone; docker-compose.yml pairs it with PostgreSQL and runs `migrate` before it.
# Node 26: the Active LTS line (security fixes until April 2029; 24 ends in April 2028), which CI
# tests beside 24 and 20 (docs/operators.md, "Node versions").
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Production dependencies only: no embedded PostgreSQL (a development dependency), and no
# optional ones, which are TypeORM's optional peer ts-node with TypeScript (kept by npm as
# devOptional) and pg-cloudflare (for Cloudflare Workers).
RUN npm run build && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM node:26-trixie-slim
ENV NODE_ENV=production
WORKDIR /app
# Root's files, read-only to the user the service runs as.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
# Liveness, not readiness: a database blip must not mark the container unhealthy. Slim images
# have no curl; node's fetch asks instead.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/notifier/src/main.js"]
