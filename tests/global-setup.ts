import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../cli/infra/postgres';
import { findTemporalCli, startDevServer, TEMPORAL_INSTALL_HINT } from '../cli/infra/temporal';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    temporalCli: string;
  }
}

/**
 * One real Postgres and one real Temporal dev server for the whole run;
 * each suite then works in its own schema and task queue, so suites run in
 * parallel without seeing each other. DATABASE_URL / TEMPORAL_ADDRESS use
 * servers that are already running instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(os.tmpdir(), `acvloop-test-pg-${process.pid}`) });
    stops.push(pg.stop);
    databaseUrl = pg.url;
  }
  const temporalCli = findTemporalCli();
  if (!temporalCli) throw new Error(TEMPORAL_INSTALL_HINT);
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const server = await startDevServer();
    stops.push(server.stop);
    temporalAddress = server.address;
  }
  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', temporalAddress);
  project.provide('temporalCli', temporalCli);
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
