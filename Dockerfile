# The acvloop worker and CLI image: Node 20, the npm packages, the sources.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Compiled once here, so every command starts without compiling TypeScript (bin/acvloop.js runs dist/).
RUN node bin/build.js
# `acvloop worker` sets its own heap flags (cli/infra/worker-heap.js); ACVLOOP_WORKER_HEAP_MB changes the cap.
ENTRYPOINT ["node", "bin/acvloop.js"]
CMD ["worker"]
