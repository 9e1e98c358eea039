# syntax=docker/dockerfile:1
# commercetools → Klaviyo sync. Build: docker build -t ct-klaviyo-sync .   Run: see docs/deploy.md.

# 1. Build: compile the TypeScript sources to dist/ (type-checked).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY emulators ./emulators
RUN npm run build

# 2. Dependencies, production only.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. The runtime image: non-root, only what runs (compiled JavaScript and production dependencies).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PUB_SUB_PORT=6779
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/scripts/create-subscriptions.js ./dist/scripts/
COPY bin ./bin
USER node
EXPOSE 6779
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PUB_SUB_PORT || 6779) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/src/main.js"]
