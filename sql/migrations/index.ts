import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-23-0001-initial';

/** The explicit migration index: names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-0001-initial': initial,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
