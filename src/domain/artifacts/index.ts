/**
 * The artifact store's domain: packages of files kept as content-addressed
 * blobs through the BlobStore port, registered in the metadata store's
 * ArtifactStore, retained by class, held by cases, deleted deliberately,
 * scrubbed, and audited entry by entry in each tenant's `audit` log.
 *
 *   const artifacts = createArtifacts({ store: metadata.artifacts!, blobs, registry, random });
 *   const { package: p } = await artifacts.packages.create(tenant, actor, {...});
 *   await artifacts.files.add(tenant, actor, p.id, { path: 'run.json', body: stream });
 *   await artifacts.packages.finalize(tenant, actor, p.id);
 *
 * Routes call these services and map DomainError codes; they hold no logic.
 */
import { ArtifactContext, type ArtifactDeps, type ArtifactContext as Context } from './context.js';
import { DeletionService } from './deletion.js';
import { ExtensionService } from './extensions.js';
import { FileService } from './files.js';
import { HoldService } from './holds.js';
import { PackageService } from './packages.js';
import { UploadService } from './resumable.js';
import { Scrubber } from './scrub.js';

export interface Artifacts {
  readonly packages: PackageService;
  readonly files: FileService;
  /** Resumable uploads: a file in parts (resumable.ts). */
  readonly uploads: UploadService;
  readonly extensions: ExtensionService;
  readonly holds: HoldService;
  readonly deletion: DeletionService;
  readonly scrub: Scrubber;
  /** The shared context (policy, limits, Object Lock probe). */
  readonly context: Context;
}

export function createArtifacts(deps: ArtifactDeps): Artifacts {
  const ctx = new ArtifactContext(deps);
  const files = new FileService(ctx);
  return {
    packages: new PackageService(ctx),
    files,
    uploads: new UploadService(ctx, files),
    extensions: new ExtensionService(ctx),
    holds: new HoldService(ctx),
    deletion: new DeletionService(ctx),
    scrub: new Scrubber(ctx),
    context: ctx,
  };
}

export { AUDIT_LOG, type Inclusion } from './audit.js';
export {
  ArtifactContext,
  type ArtifactDeps,
  type ArtifactLimits,
  DEFAULT_LIMITS,
  type ScrubMismatch,
} from './context.js';
export type { DeletionPlan, DeletionReport, GcReport, PlannedBlob, PlannedPackage } from './deletion.js';
export {
  type ArtifactEntry,
  type ArtifactEvents,
  type ArtifactEventType,
  type DeletedItem,
  decodeEvent,
  encodeEvent,
} from './events.js';
export type { Extension } from './extensions.js';
export { NotAvailableError } from './failures.js';
export type { AddedFile, Download, DownloadOptions, NewFile } from './files.js';
export type { HoldResult } from './holds.js';
export { buildManifest, type Manifest, manifestBytes, manifestDigest } from './manifest.js';
export type { ManifestAnswer, NewPackage, PackageFilter, PackagePage } from './packages.js';
export { normalizePath } from './paths.js';
export type { LockState } from './protection.js';
export {
  type CollectReport,
  MAX_UPLOAD_PARTS,
  type NewUpload,
  type UploadPart,
  type UploadView,
} from './resumable.js';
export {
  addPeriod,
  DEFAULT_RETENTION,
  expiryAt,
  extendedExpiry,
  MAX_RETENTION_YEARS,
  RETENTION_CLASSES,
  type RetentionClass,
  type RetentionPeriod,
  type RetentionPolicy,
  retentionPolicy,
} from './retention.js';
export type { ScrubReport } from './scrub.js';
export type { FileView, HoldView, LocationView, PackageView, RetentionEventView } from './views.js';
export {
  DeletionService,
  ExtensionService,
  FileService,
  HoldService,
  PackageService,
  Scrubber,
  UploadService,
};
