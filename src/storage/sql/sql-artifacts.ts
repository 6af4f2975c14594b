/**
 * The artifact store's metadata over SQL (SQLite and PostgreSQL, migrations
 * 0002 and 0003): one object per table group, over the metadata store's connection.
 */
import type { Kysely } from 'kysely';
import type {
  ArtifactBlobs,
  ArtifactFiles,
  ArtifactHolds,
  ArtifactPackages,
  ArtifactStore,
  ArtifactUploads,
  RetentionEvents,
  StorageLocations,
} from '../artifact-store.js';
import type { ArtifactTables } from './artifact-schema.js';
import type { Database } from './schema.js';
import { SqlArtifactBlobs } from './sql-artifact-blobs.js';
import { SqlArtifactFiles } from './sql-artifact-files.js';
import { SqlArtifactHolds } from './sql-artifact-holds.js';
import { SqlArtifactPackages } from './sql-artifact-packages.js';
import { SqlArtifactUploads } from './sql-artifact-uploads.js';
import { SqlRetentionEvents } from './sql-retention-events.js';
import { SqlStorageLocations } from './sql-storage-locations.js';

export class SqlArtifacts implements ArtifactStore {
  readonly packages: ArtifactPackages;
  readonly files: ArtifactFiles;
  readonly blobs: ArtifactBlobs;
  readonly locations: StorageLocations;
  readonly holds: ArtifactHolds;
  readonly events: RetentionEvents;
  readonly uploads: ArtifactUploads;

  constructor(db: Kysely<Database>) {
    const adb = db.withTables<ArtifactTables>();
    this.packages = new SqlArtifactPackages(adb);
    this.files = new SqlArtifactFiles(adb);
    this.blobs = new SqlArtifactBlobs(adb);
    this.locations = new SqlStorageLocations(adb);
    this.holds = new SqlArtifactHolds(adb);
    this.events = new SqlRetentionEvents(adb);
    this.uploads = new SqlArtifactUploads(adb);
  }
}
