/**
 * `vellum serve [--data DIR] [--port P] [--host H]`: the server, and the
 * composition root of the embedded deployment. It builds the drivers
 * (an FsObjectStore per log under <data>/logs/<tenant>/<log>; the metadata
 * store, whose log catalog and checkpoint lock the ledger uses), the
 * ledger's LogRegistry, the domain services and the HTTP app, and listens.
 *
 * - One process per data directory: <data>/vellum.lock holds its pid; a
 *   lock left by a dead process is taken over, a live one refuses.
 * - The first start makes a platform-admin key and writes its token to
 *   <data>/admin-token (0600), unless VELLUM_ADMIN_TOKEN gives the token.
 * - SIGINT/SIGTERM: stop taking requests, finish the ones in flight, drain
 *   every log's pool (pending entries are sequenced and published), close
 *   the metadata store, release the lock, exit 0.
 *
 * Environment: VELLUM_DATA (./data), VELLUM_PORT (8080), VELLUM_HOST
 * (127.0.0.1), VELLUM_DATABASE_URL (sqlite:<data>/vellum.db),
 * VELLUM_PUBLIC_URL (http://<host>:<port>: new logs get the origin
 * <public URL without scheme>/logs/<tenant>/<log>), VELLUM_ADMIN_TOKEN,
 * VELLUM_LOG_LEVEL (info; JSON lines on stdout), VELLUM_RATE_LIMIT
 * (<burst>/<per second>, default 200/100; "off"), VELLUM_TRUST_PROXY
 * ("true", or the proxies' addresses: client addresses from X-Forwarded-For),
 * VELLUM_RETENTION_INTERVAL (seconds between retention sweep + deletion runs,
 * default 600; 0 disables), VELLUM_SCRUB_INTERVAL (seconds between scrubs,
 * default 3600; 0 disables), VELLUM_RETENTION, VELLUM_MAX_FILE_BYTES,
 * VELLUM_MAX_PACKAGE_FILES, VELLUM_UPLOAD_TTL, S3_RETENTION_MODE (the
 * artifact store's settings: artifact-config.ts). Artifact bytes go to a FsBlobStore under
 * <data>/blobs, or to S3 when S3_BUCKET (and S3_ENDPOINT or a region) are set.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DomainError } from '../domain/errors.js';
import { createServices } from '../domain/services.js';
import { buildApp } from '../http/app.js';
import { Metrics } from '../http/metrics.js';
import type { RateLimitOptions } from '../http/rate-limit.js';
import { LogRegistry } from '../ledger/registry.js';
import type { BlobStore } from '../storage/blob-store.js';
import { StorageError } from '../storage/errors.js';
import { FsBlobStore } from '../storage/fs/fs-blob-store.js';
import { FsObjectStore } from '../storage/fs/fs-object-store.js';
import { openMetadata } from '../storage/sql/sql-metadata.js';
import { parseArgs } from './args.js';
import { artifactSettings } from './artifact-config.js';
import { startArtifactJobs } from './artifact-jobs.js';
import { CliError, type Io } from './command.js';

const USAGE = `Usage: vellum serve [--data DIR] [--port P] [--host H]

  --data DIR    data directory (env VELLUM_DATA, default ./data)
  --port P      TCP port, 0 for any free one (env VELLUM_PORT, default 8080)
  --host H      address to listen on (env VELLUM_HOST, default 127.0.0.1)

Environment: VELLUM_DATABASE_URL (default sqlite:<data>/vellum.db, or postgres://...),
VELLUM_PUBLIC_URL (default http://<host>:<port>), VELLUM_ADMIN_TOKEN,
VELLUM_LOG_LEVEL (default info), VELLUM_RATE_LIMIT (<burst>/<per second>, default 200/100, or off),
VELLUM_TRUST_PROXY (true, or the proxies' addresses), VELLUM_RETENTION_INTERVAL (s, default 600, 0 off),
VELLUM_SCRUB_INTERVAL (s, default 3600, 0 off), S3_BUCKET/S3_ENDPOINT (artifact bytes on S3),
VELLUM_RETENTION (e.g. transient=14d,raw-evidence=2y), VELLUM_MAX_FILE_BYTES, VELLUM_MAX_PACKAGE_FILES,
VELLUM_UPLOAD_TTL (s), S3_RETENTION_MODE (GOVERNANCE or COMPLIANCE). See docs/api.md and docs/artifacts.md.`;

export async function serve(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positional, flags } = parseArgs(
    args,
    { data: { value: true }, port: { value: true }, host: { value: true }, help: {} },
    USAGE,
  );
  if (flags.has('help')) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positional.length > 0) throw new CliError(`serve takes no arguments\n${USAGE}`);
  const data = resolve(flags.get('data')?.[0] ?? env.VELLUM_DATA ?? './data');
  const port = parsePort(flags.get('port')?.[0] ?? env.VELLUM_PORT ?? '8080');
  const host = flags.get('host')?.[0] ?? env.VELLUM_HOST ?? '127.0.0.1';
  const rateLimit = parseRateLimit(env.VELLUM_RATE_LIMIT);
  const artifactConfig = artifactSettings(env);

  await mkdir(join(data, 'logs'), { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(data);
  // From here on a signal stops the server cleanly (after start-up, if it comes during it).
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const cleanup: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const f of cleanup.reverse())
      await f().catch((e) => io.stderr.write(`vellum: while stopping: ${(e as Error).message}\n`));
    unlock();
  };
  try {
    const metadata = await openMetadata(env.VELLUM_DATABASE_URL ?? `sqlite:${join(data, 'vellum.db')}`).catch(
      (e) => {
        throw new CliError(`cannot open the metadata database: ${(e as Error).message}`, 1);
      },
    );
    cleanup.push(() => metadata.close());
    const metrics = new Metrics();
    let publicUrl = env.VELLUM_PUBLIC_URL?.replace(/\/+$/, '');
    const store = (tenant: string, log: string) => new FsObjectStore(join(data, 'logs', tenant, log));
    const origin = (tenant: string, log: string) =>
      `${(publicUrl ?? '').replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}/logs/${tenant}/${log}`;
    const registry = new LogRegistry({
      catalog: metadata.logs,
      lock: metadata.lock,
      store,
      origin,
      random: (n) => new Uint8Array(randomBytes(n)),
      logOptions: { onRound: metrics.onRound },
    });
    cleanup.push(() => registry.close());
    const blobs = await blobStore(env, data);
    const services = createServices({
      registry,
      metadata,
      store,
      origin,
      blobs,
      random: (n) => new Uint8Array(randomBytes(n)),
      artifacts: {
        ...artifactConfig,
        onScrubMismatch: (m) => metrics.scrubMismatches.inc({ tenant: m.tenant }),
      },
    });
    const adminNote = await bootstrapAdmin(services.keys, data, env.VELLUM_ADMIN_TOKEN);

    const app = await buildApp({
      services,
      metrics,
      logger: { level: env.VELLUM_LOG_LEVEL ?? 'info' },
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      ...(env.VELLUM_TRUST_PROXY
        ? { trustProxy: env.VELLUM_TRUST_PROXY === 'true' ? true : env.VELLUM_TRUST_PROXY }
        : {}),
      checks: {
        metadata: async () => {
          await metadata.tenants.get('readyz');
        },
        storage: () => access(join(data, 'logs'), constants.R_OK | constants.W_OK),
      },
      version: await packageVersion(),
    });
    cleanup.push(() => app.close());
    if (services.artifacts) {
      const jobs = startArtifactJobs({
        artifacts: services.artifacts,
        tenants: async () => (await metadata.tenants.list()).map((t) => t.name),
        retentionMs: parseInterval(env.VELLUM_RETENTION_INTERVAL, 'VELLUM_RETENTION_INTERVAL', 600),
        scrubMs: parseInterval(env.VELLUM_SCRUB_INTERVAL, 'VELLUM_SCRUB_INTERVAL', 3600),
        log: app.log,
      });
      cleanup.push(() => jobs.stop());
    }
    await app.listen({ port, host }).catch((e) => {
      throw new CliError(`cannot listen on ${host}:${port}: ${(e as Error).message}`, 1);
    });
    const address = app.server.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    publicUrl ??= `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    const origins = env.VELLUM_PUBLIC_URL
      ? ''
      : ' (new logs take their origin from it: set VELLUM_PUBLIC_URL to the URL clients use)';
    io.stdout.write(
      `Vellum listening on ${url}\n  API docs:     ${url}/docs\n  admin token:  ${adminNote}\n  data:         ${data}\n  logs served:  ${publicUrl}/logs/<tenant>/<log>${origins}\n`,
    );
    const signal = await signalled;
    io.stdout.write(`Vellum: ${signal}: stopping (finishing requests and pending entries)\n`);
    await stop();
    io.stdout.write('Vellum stopped\n');
    return 0;
  } catch (e) {
    await stop();
    if (e instanceof StorageError) throw new CliError(e.message, 1);
    throw e;
  }
}

/**
 * The artifact blob store: S3 when S3_BUCKET and an endpoint or region are
 * set, else a FsBlobStore under <data>/blobs. The S3 driver (and the AWS
 * SDK, tens of MB of resident memory) is loaded only when it is used.
 */
async function blobStore(env: NodeJS.ProcessEnv, data: string): Promise<BlobStore> {
  if (env.S3_BUCKET && (env.S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || env.AWS_REGION || env.S3_REGION)) {
    const { S3BlobStore } = await import('../storage/s3/s3-blob-store.js');
    return S3BlobStore.fromEnv(env);
  }
  return new FsBlobStore(join(data, 'blobs'));
}

/** Makes sure a platform-admin key exists; says where its token is. */
async function bootstrapAdmin(
  keys: { bootstrapAdmin(token?: string): Promise<{ id: string; token?: string }> },
  data: string,
  envToken: string | undefined,
): Promise<string> {
  const file = join(data, 'admin-token');
  const r = await keys.bootstrapAdmin(envToken === '' ? undefined : envToken).catch((e) => {
    if (e instanceof DomainError) throw new CliError(`VELLUM_ADMIN_TOKEN: ${e.message}`, 2);
    throw e;
  });
  if (envToken) return `from VELLUM_ADMIN_TOKEN (key ${r.id})`;
  if (r.token !== undefined) {
    await writeFile(file, `${r.token}\n`, { mode: 0o600 });
    return `${file} (made now; keep it secret)`;
  }
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  return exists
    ? file
    : `key ${r.id} was made at first start; ${file} is gone (set VELLUM_ADMIN_TOKEN to add one)`;
}

/**
 * Takes <data>/vellum.lock for this process; returns its release. A lock
 * whose pid is dead is taken over; a live one is refused with a message.
 */
function lockDataDir(data: string): () => void {
  const path = join(data, 'vellum.lock');
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, `${process.pid}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {}
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new CliError(`cannot lock ${path}: ${(e as Error).message}`, 1);
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    const pid = Number.parseInt(text, 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
      throw new CliError(
        `${data} is in use by another vellum (pid ${pid}, see ${path}); stop it first or use another --data. If no vellum runs there, delete ${path}.`,
        1,
      );
    // Stale (its process is gone): take it over, unless someone else just did.
    try {
      if (readFileSync(path, 'utf8') === text) unlinkSync(path);
    } catch {}
  }
  throw new CliError(`cannot take ${path}: another process keeps taking it`, 1);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Seconds (a canonical decimal; 0 disables) as ms. */
function parseInterval(s: string | undefined, name: string, fallback: number): number {
  if (s === undefined || s === '') return fallback * 1000;
  if (!/^(0|[1-9][0-9]{0,8})$/.test(s))
    throw new CliError(`${name} must be seconds (0 disables), not ${JSON.stringify(s)}`);
  return Number(s) * 1000;
}

function parsePort(s: string): number {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(s) || Number(s) > 65535)
    throw new CliError(`bad port ${JSON.stringify(s)}: 0-65535\n${USAGE}`);
  return Number(s);
}

function parseRateLimit(s: string | undefined): RateLimitOptions | false | undefined {
  if (s === undefined || s === '') return undefined;
  if (s === 'off') return false;
  const m = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(s);
  if (!m)
    throw new CliError(
      `VELLUM_RATE_LIMIT must be <burst>/<per second> (e.g. 200/100) or off, not ${JSON.stringify(s)}`,
    );
  return { burst: Number(m[1]), perSecond: Number(m[2]) };
}

async function packageVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
