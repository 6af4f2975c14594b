/**
 * Every migration, in order, for Kysely's Migrator (a static provider: no
 * directory scanning, so bundles and compiled output behave alike). Names
 * are numbered and sort in application order; append only.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-init.js';
import * as m0002 from './0002-artifacts.js';
import * as m0003 from './0003-uploads.js';

export const migrations: Record<string, Migration> = {
  '0001-init': m0001,
  '0002-artifacts': m0002,
  '0003-uploads': m0003,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
