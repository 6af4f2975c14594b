/**
 * A whole Vellum service for HTTP tests: a temp data directory, the real
 * metadata store (SQLite by default, or any URL, e.g. a fresh PostgreSQL
 * schema), the ledger's LogRegistry over FsObjectStores (optionally
 * wrapped, to inject faults), the domain services, the Fastify app and the
 * bootstrapped platform-admin token. And a small client over `app.inject`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createServices, type Services } from '../../src/domain/services.js';
import { type AppOptions, buildApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import type { LogOptions } from '../../src/ledger/log.js';
import { LogRegistry } from '../../src/ledger/registry.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { StorageError } from '../../src/storage/errors.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { FsObjectStore } from '../../src/storage/fs/fs-object-store.js';
import type { MetadataStore } from '../../src/storage/metadata.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { openMetadata } from '../../src/storage/sql/sql-metadata.js';
import { createSchema, postgresSkip } from './postgres.js';

export interface StackOptions {
  /** Metadata URL (default: SQLite in the temp directory). */
  readonly databaseUrl?: string;
  readonly rateLimit?: AppOptions['rateLimit'];
  readonly limits?: AppOptions['limits'];
  readonly logOptions?: Pick<LogOptions, 'maxBatch' | 'maxDelayMs' | 'maxPending'>;
  readonly publishTimeoutMs?: number;
  /** Artifact store options (limits, retention). */
  readonly artifacts?: import('../../src/domain/services.js').ServiceDeps['artifacts'];
  /** Origin prefix of new logs (default vellum.test). */
  readonly host?: string;
  /** The artifact store's blob store (default: a FsBlobStore under `<dir>/blobs`); the caller closes it. */
  readonly blobs?: BlobStore;
  readonly unreadBodyLingerMs?: number;
}

export interface Stack {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly registry: LogRegistry;
  readonly metadata: MetadataStore;
  readonly metrics: Metrics;
  readonly dir: string;
  /** The platform-admin token made at bootstrap. */
  readonly adminToken: string;
  /** Faults of one log's store: while set, its puts (and replaces) fail as 'unavailable'. */
  readonly faults: Set<string>;
  close(): Promise<void>;
}

export async function openStack(o: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'vellum-http-'));
  const metadata = await openMetadata(o.databaseUrl ?? `sqlite:${join(dir, 'vellum.db')}`);
  const faults = new Set<string>();
  const store = (tenant: string, log: string): ObjectStore =>
    faulty(new FsObjectStore(join(dir, 'logs', tenant, log)), () => faults.has(`${tenant}/${log}`));
  const metrics = new Metrics({ processMetrics: false });
  const random = (n: number) => new Uint8Array(randomBytes(n));
  const origin = (tenant: string, log: string) => `${o.host ?? 'vellum.test'}/logs/${tenant}/${log}`;
  const registry = new LogRegistry({
    catalog: metadata.logs,
    lock: metadata.lock,
    store,
    origin,
    random,
    logOptions: { ...o.logOptions, onRound: metrics.onRound },
  });
  const services = createServices({
    registry,
    metadata,
    store,
    random,
    origin,
    blobs: o.blobs ?? new FsBlobStore(join(dir, 'blobs')),
    ...(o.artifacts ? { artifacts: o.artifacts } : {}),
    ...(o.publishTimeoutMs !== undefined ? { publishTimeoutMs: o.publishTimeoutMs } : {}),
  });
  const { token } = await services.keys.bootstrapAdmin();
  const app = await buildApp({
    services,
    metrics,
    rateLimit: o.rateLimit ?? false,
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.unreadBodyLingerMs !== undefined ? { unreadBodyLingerMs: o.unreadBodyLingerMs } : {}),
    checks: { metadata: async () => void (await metadata.tenants.get('readyz')) },
  });
  return {
    app,
    services,
    registry,
    metadata,
    metrics,
    dir,
    adminToken: token!,
    faults,
    async close() {
      await app.close();
      await registry.close();
      await metadata.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `inner`, except that writes fail (not stored) while `failing()`. */
function faulty(inner: ObjectStore, failing: () => boolean): ObjectStore {
  const fail = () => Promise.reject(new StorageError('unavailable', 'injected failure'));
  return {
    put: (k, d) => (failing() ? fail() : inner.put(k, d)),
    replace: (k, d) => (failing() ? fail() : inner.replace(k, d)),
    get: (k) => inner.get(k),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  /** The raw body bytes. */
  readonly raw: Buffer;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience
  readonly json: any;
}

export interface Call {
  readonly token?: string;
  /** A JSON body (sent as application/json). */
  readonly json?: unknown;
  /** A raw body, with `type` as its content type. */
  readonly body?: Uint8Array | string;
  readonly type?: string;
  readonly headers?: Record<string, string>;
}

/** One request through `app.inject`. */
export async function call(app: FastifyInstance, method: string, url: string, c: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...c.headers };
  if (c.token !== undefined) headers.authorization = `Bearer ${c.token}`;
  let payload: string | Buffer | undefined;
  if (c.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = JSON.stringify(c.json);
  } else if (c.body !== undefined) {
    if (c.type !== undefined) headers['content-type'] = c.type;
    payload = typeof c.body === 'string' ? c.body : Buffer.from(c.body);
  }
  const res = await app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  });
  const raw = res.rawPayload;
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {}
  return { status: res.statusCode, headers: res.headers, raw, text: raw.toString('utf8'), json };
}

/** A tenant with one key per tenant role and a private log `data` holding `entries` entries. */
export interface TenantFixture {
  readonly name: string;
  /** Tokens by role (platform-admin: the stack's admin token). */
  readonly tokens: Record<string, string>;
  /** Key ids by role. */
  readonly ids: Record<string, string>;
}

export async function makeTenant(s: Stack, name: string, entries = 3): Promise<TenantFixture> {
  const ok = (a: Answer, what: string) => {
    if (a.status >= 300) throw new Error(`${what}: ${a.status} ${a.text}`);
    return a.json;
  };
  ok(await call(s.app, 'POST', '/v1/tenants', { token: s.adminToken, json: { name } }), 'create tenant');
  const admin = ok(
    await call(s.app, 'POST', `/v1/tenants/${name}/keys`, {
      token: s.adminToken,
      json: { role: 'tenant-admin', name: 'admin' },
    }),
    'tenant-admin key',
  );
  const tokens: Record<string, string> = { 'platform-admin': s.adminToken, 'tenant-admin': admin.token };
  const ids: Record<string, string> = { 'tenant-admin': admin.id };
  for (const role of ['writer', 'reader', 'auditor', 'approver']) {
    const k = ok(
      await call(s.app, 'POST', `/v1/tenants/${name}/keys`, {
        token: admin.token,
        json: { role, name: role },
      }),
      role,
    );
    tokens[role] = k.token;
    ids[role] = k.id;
  }
  ok(
    await call(s.app, 'POST', `/v1/logs/${name}`, { token: admin.token, json: { name: 'data' } }),
    'create log',
  );
  if (entries > 0) {
    const json = { entries: Array.from({ length: entries }, (_, i) => ({ text: `${name} entry ${i}` })) };
    ok(
      await call(s.app, 'POST', `/v1/logs/${name}/data/entries?wait=published`, {
        token: tokens.writer,
        json,
      }),
      'append',
    );
  }
  return { name, tokens, ids };
}

/** A metadata backend the HTTP suites run on. */
export interface Backend {
  readonly name: string;
  /** A reason to skip the suite (the database is unreachable), or false. */
  skip(): Promise<string | false>;
  /** Stack options for a fresh database, and how to drop it afterwards. */
  open(): Promise<{ options: StackOptions; drop(): Promise<void> }>;
}

/** SQLite (a file in the stack's temp directory), and PostgreSQL (a fresh schema) when reachable. */
export const BACKENDS: readonly Backend[] = [
  { name: 'SQLite', skip: async () => false, open: async () => ({ options: {}, drop: async () => {} }) },
  {
    name: 'PostgreSQL',
    skip: postgresSkip,
    open: async () => {
      const schema = await createSchema();
      return { options: { databaseUrl: schema.url }, drop: schema.drop };
    },
  },
];
