# The acvloop worker and CLI image: Node 20, the npm packages, the sources.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The worker's heap flags (the same as `npm run worker` and the bench): see WORKER_NODE_FLAGS in bench/cycle.ts.
ENV NODE_OPTIONS="--max-old-space-size=1536 --max-semi-space-size=32"
ENTRYPOINT ["node", "bin/acvloop.js"]
CMD ["worker"]
