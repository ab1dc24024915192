# The acvloop worker and CLI image: Node 20, the npm packages, the sources.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENTRYPOINT ["node", "bin/acvloop.js"]
CMD ["worker"]
