# The harness (harness/agent, the agent runtime under test, and harness/upstream, its
# downstream) as one image for docker-compose.yml, which picks the program per service.
# Built from this repository by `docker compose build`; nothing is downloaded but the base
# image and the npm packages of package-lock.json.
FROM node:20.19.5-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY harness ./harness
COPY bench ./bench
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20.19.5-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
# The agent by default; the upstream service sets its own command.
CMD ["node", "dist/harness/agent/main.js"]
