/**
 * Artifact packages: create, read, search, finalize, and the manifest with
 * the inclusion proof of its finalize entry. Every method takes the tenant
 * first and sees only that tenant's packages: another tenant's id is
 * 'not-found'. Each change appends its audit entry before it is committed
 * (audit.ts).
 */
import { canonicalize } from '../canonical-json.js';
import { DomainError } from '../errors.js';
import { checkName } from '../names.js';
import type { Inclusion } from './audit.js';
import { type ArtifactContext, isId } from './context.js';
import * as input from './inputs.js';
import { buildManifest, type Manifest, manifestBytes, manifestDigest } from './manifest.js';
import { expiryAt, lockDate, type RetentionClass, ruleText } from './retention.js';
import { eventView, type PackageView, packageView, type RetentionEventView } from './views.js';

export interface NewPackage {
  readonly name: string;
  readonly producer: string;
  readonly subject: string;
  readonly retentionClass: RetentionClass;
  /** A JSON object; its top-level scalar members are searchable. */
  readonly metadata?: unknown;
}

export interface PackageFilter {
  readonly subject?: string;
  readonly producer?: string;
  readonly name?: string;
  readonly status?: string;
  readonly retentionClass?: string;
  /** Top-level metadata members that must match (values compared as text). */
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
  readonly createdFrom?: Date;
  readonly createdTo?: Date;
  /** 1..1000, default 100. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface PackagePage {
  /** Newest first. */
  readonly packages: PackageView[];
  readonly nextCursor: string | null;
}

export interface ManifestAnswer {
  readonly packageId: string;
  readonly manifest: Manifest;
  /** The exact bytes digested (canonical JSON): serve these, not a re-serialization. */
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly finalizeIndex: number;
  /** The finalize entry with its inclusion proof, when asked for. */
  readonly inclusion?: Inclusion;
}

export class PackageService {
  constructor(private readonly ctx: ArtifactContext) {}

  /** Creates an open package; its expiry is decided now, from its class. */
  async create(
    tenant: string,
    actor: string,
    p: NewPackage,
  ): Promise<{ package: PackageView; auditIndex: number }> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const name = input.text(p?.name, 'name', 200);
    const producer = input.text(p?.producer, 'producer', 200);
    const subject = input.text(p?.subject, 'subject', 500);
    const cls = input.retentionClass(p?.retentionClass);
    const meta = input.metadata(p?.metadata, ctx.limits.maxMetadataBytes);
    const now = ctx.now();
    const id = ctx.id('pkg');
    const expiresAt = expiryAt(ctx.policy, cls, now);
    const rule = ruleText(ctx.policy, cls);
    const auditIndex = await ctx.audit.append(tenant, who, now, 'package-created', {
      package: id,
      name,
      producer,
      subject,
      metadata: JSON.parse(meta.text) as unknown,
      retentionClass: cls,
      retentionRule: rule,
      expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    });
    const row = {
      tenant,
      id,
      name,
      producer,
      subject,
      retentionClass: cls,
      retentionRule: rule,
      metadata: meta.text,
      createdAt: now,
      createdBy: who,
      expiresAt,
      lockUntil: lockDate(now, expiresAt),
    };
    const event = ctx.event(tenant, {
      type: 'default_rule_applied',
      packageId: id,
      reason: rule,
      createdBy: who,
      createdAt: now,
      newExpiresAt: expiresAt,
      auditIndex,
    });
    try {
      await ctx.store.packages.create(row, meta.labels, event);
    } catch (e) {
      await ctx.audit.aborted(tenant, who, ctx.now(), auditIndex, 'package-created', (e as Error).message);
      throw e;
    }
    return { package: packageView(await ctx.package(tenant, id)), auditIndex };
  }

  async get(tenant: string, id: string): Promise<PackageView> {
    checkName(tenant);
    return packageView(await this.ctx.package(tenant, id));
  }

  /** One page of the tenant's packages matching every filter given, newest first. */
  async list(tenant: string, f: PackageFilter = {}): Promise<PackagePage> {
    checkName(tenant);
    const limit = f.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw input.bad('limit must be 1..1000');
    const opt = (v: unknown, what: string, max: number) =>
      v === undefined ? undefined : input.text(v, what, max);
    const time = (d: Date | undefined, what: string) => {
      if (d === undefined) return undefined;
      if (!(d instanceof Date) || !Number.isFinite(d.getTime()))
        throw input.bad(`${what} must be a valid time`);
      return d.getTime();
    };
    const after = f.cursor === undefined ? undefined : parseCursor(f.cursor);
    const subject = opt(f.subject, 'subject', 500);
    const producer = opt(f.producer, 'producer', 200);
    const name = opt(f.name, 'name', 200);
    const createdFrom = time(f.createdFrom, 'createdFrom');
    const createdTo = time(f.createdTo, 'createdTo');
    const page = await this.ctx.store.packages.list({
      tenant,
      limit,
      labels: input.labelFilter(f.metadata),
      ...(subject !== undefined && { subject }),
      ...(producer !== undefined && { producer }),
      ...(name !== undefined && { name }),
      ...(f.status !== undefined && { status: input.packageStatus(f.status) }),
      ...(f.retentionClass !== undefined && { retentionClass: input.retentionClass(f.retentionClass) }),
      ...(createdFrom !== undefined && { createdFrom }),
      ...(createdTo !== undefined && { createdTo }),
      ...(after && { after }),
    });
    const last = page.rows.at(-1);
    return {
      packages: page.rows.map(packageView),
      nextCursor: page.more && last ? formatCursor(last.createdAt, last.id) : null,
    };
  }

  /**
   * open -> finalized: builds the manifest, appends the finalize entry with
   * its digest, and commits only if no file was added or retention changed
   * since the manifest was built ('conflict' otherwise; finalize again).
   * Resumable uploads still open in the package are not touched here (the
   * registry port cannot list a package's uploads): the next part or
   * completion of one is refused with 'conflict', storing nothing, and ends
   * it 'aborted' with its parts deleted (resumable.ts); one left alone
   * expires and `uploads.collect` deletes its parts.
   */
  async finalize(
    tenant: string,
    actor: string,
    id: string,
  ): Promise<{ package: PackageView; manifestSha256: string; auditIndex: number }> {
    const { ctx } = this;
    checkName(tenant);
    const who = input.text(actor, 'actor', 200);
    const pkg = await ctx.package(tenant, id);
    if (pkg.status !== 'open')
      throw new DomainError(
        'conflict',
        `package ${id} is ${pkg.status}: only an open package can be finalized`,
      );
    const [files, locations] = await Promise.all([
      ctx.store.files.list(tenant, id),
      ctx.store.locations.forPackage(tenant, id),
    ]);
    const now = ctx.now();
    const bytes = manifestBytes(buildManifest(pkg, files, locations, now));
    const digest = manifestDigest(bytes);
    const auditIndex = await ctx.audit.append(tenant, who, now, 'package-finalized', {
      package: id,
      manifestSha256: digest,
      files: files.length,
      bytes: files.reduce((n, f) => n + f.size, 0),
    });
    const manifest = new TextDecoder().decode(bytes);
    let done = false;
    try {
      done = await ctx.store.packages.finalize(tenant, id, {
        revision: pkg.revision,
        finalizedAt: now,
        manifest,
        manifestSha256: digest,
        finalizeIndex: auditIndex,
      });
    } finally {
      if (!done)
        await ctx.audit.aborted(
          tenant,
          who,
          ctx.now(),
          auditIndex,
          'package-finalized',
          'the package changed',
        );
    }
    if (!done)
      throw new DomainError('conflict', `package ${id} changed while it was being finalized: try again`);
    return { package: packageView(await ctx.package(tenant, id)), manifestSha256: digest, auditIndex };
  }

  /** The manifest recorded at finalize, checked against its digest; with `proof`, the finalize entry's inclusion proof. */
  async manifest(tenant: string, id: string, options: { proof?: boolean } = {}): Promise<ManifestAnswer> {
    const { ctx } = this;
    checkName(tenant);
    const pkg = await ctx.package(tenant, id);
    if (pkg.manifestSha256 === null || pkg.finalizeIndex === null)
      throw new DomainError('conflict', `package ${id} is not finalized: it has no manifest yet`);
    const text = await ctx.store.packages.manifest(tenant, id);
    if (text === undefined) throw new DomainError('not-found', `no package ${id}`);
    const bytes = new TextEncoder().encode(text);
    if (manifestDigest(bytes) !== pkg.manifestSha256)
      throw new DomainError('unavailable', `the stored manifest of ${id} does not match its recorded digest`);
    return {
      packageId: id,
      manifest: JSON.parse(text) as Manifest,
      bytes,
      sha256: pkg.manifestSha256,
      finalizeIndex: pkg.finalizeIndex,
      ...(options.proof && { inclusion: await ctx.audit.inclusion(tenant, pkg.finalizeIndex) }),
    };
  }

  /** The package's retention events, in order. */
  async events(tenant: string, id: string): Promise<RetentionEventView[]> {
    checkName(tenant);
    await this.ctx.package(tenant, id);
    return (await this.ctx.store.events.list(tenant, id)).map(eventView);
  }
}

/** Opaque keyset cursor: base64url of canonical JSON [createdAt, id]. */
function formatCursor(createdAt: number, id: string): string {
  return Buffer.from(canonicalize([createdAt, id])).toString('base64url');
}

function parseCursor(cursor: unknown): { createdAt: number; id: string } {
  const fail = () => input.bad('invalid cursor');
  if (typeof cursor !== 'string' || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw fail();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw fail();
  }
  if (!Array.isArray(v) || v.length !== 2 || !Number.isSafeInteger(v[0]) || v[0] < 0 || !isId('pkg', v[1]))
    throw fail();
  return { createdAt: v[0] as number, id: v[1] as string };
}
