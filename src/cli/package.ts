/**
 * `vellum package ...`: the artifact store (routes /v1/artifacts/...).
 *
 *   push <dir>                       upload every file of a directory, finalize; prints id and manifest digest
 *   get <id> | list | manifest <id>  read packages
 *   file <file-id> | deletion-plan   a file's locations; what the deletion job would delete
 *   download <file-id> [--out F]     a file's bytes (stdout by default)
 *   restore <file-id> --days N       a readable copy of a file in a cold tier, for N days
 *   extend <id> | hold <id> | release <id> <hold-id>   retention
 *   verify <dir> <id>                local files against the manifest, the manifest against the audit log
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ArtifactClient } from '../client/artifacts.js';
import { VellumApiError } from '../client/http.js';
import {
  API_FLAGS,
  API_OPTIONS,
  type Api,
  call,
  connect,
  flag,
  helpAsked,
  numberArg,
  tenantArg,
} from './api.js';
import { parseArgs } from './args.js';
import { CliError, type Io } from './command.js';
import { Progress } from './progress.js';

const USAGE = `Usage: vellum package <command> --tenant T [options]

  push <dir> --subject S --class C [--name N] [--producer P] [--meta k=v]...
                         upload every file under <dir> (streamed) and finalize;
                         prints the package id and the manifest's SHA-256
  get <package-id>       the package, its files and holds (JSON)
  file <file-id>         a file and its storage locations: tier, restore status, last scrub (JSON)
  deletion-plan [--limit N]   what the deletion job would delete now (a dry run; changes nothing)
  list [--subject S] [--producer P] [--status S] [--class C] [--meta k=v]... [--limit N]
  manifest <package-id> [--proof]     the manifest (JSON); --proof adds the finalize entry's proof
  download <file-id> [--out F] [--range bytes=A-B]   a file's bytes (stdout by default)
  restore <file-id> --days N   make a file in a cold tier readable for N days (1-365); prints
                         the restore status (restored until <time>, restore-requested, available)
  extend <package-id> (--until ISO-TIME | --days N) --reason R
  hold <package-id> --case C --reason R
  release <package-id> <hold-id> --reason R
  verify <dir> <package-id> [--vkey K]
                         check the files under <dir> against the manifest (SHA-256 and size), and
                         the manifest against the tenant's audit log: the finalize entry's receipt
                         is verified locally with the log's verifier key (--vkey, or the one the
                         server describes for <tenant>/audit)

  --tenant T   the tenant (env VELLUM_TENANT)
  --json       print the API's answer as JSON (push, list, restore, deletion-plan)
${API_OPTIONS}

Classes: transient, raw-evidence, summary-evidence, release-evidence, permanent-record.`;

const FLAGS = {
  ...API_FLAGS,
  tenant: { value: true },
  subject: { value: true },
  class: { value: true },
  name: { value: true },
  producer: { value: true },
  meta: { value: true, repeat: true },
  status: { value: true },
  limit: { value: true },
  proof: {},
  out: { value: true },
  range: { value: true },
  until: { value: true },
  days: { value: true },
  reason: { value: true },
  case: { value: true },
  vkey: { value: true },
  json: {},
};

export async function packageCommand(
  args: string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { positional, flags } = parseArgs(args, FLAGS, USAGE);
  if (helpAsked(flags, USAGE, io)) return 0;
  const [sub, ...rest] = positional;
  if (sub === undefined) throw new CliError(`a package command is missing\n${USAGE}`);
  const tenant = tenantArg(flag(flags, 'tenant') ?? env.VELLUM_TENANT, USAGE);
  const api = connect(flags, env);
  const a = new ArtifactClient(api.client);
  const out = (v: unknown) => io.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  const need = (name: string) => {
    const v = flag(flags, name);
    if (v === undefined || v === '') throw new CliError(`--${name} is required\n${USAGE}`);
    return v;
  };
  const arg = (i: number, what: string) => {
    const v = rest[i];
    if (v === undefined) throw new CliError(`${what} is missing\n${USAGE}`);
    return v;
  };
  const arity = (n: number) => {
    if (rest.length > n) throw new CliError(`too many arguments\n${USAGE}`);
  };
  switch (sub) {
    case 'push':
      arity(1);
      return push(api, a, tenant, arg(0, '<dir>'), flags, io);
    case 'get':
      arity(1);
      out(await call(api, 'reading the package', a.getPackage(tenant, arg(0, '<package-id>'))));
      return 0;
    case 'list': {
      arity(0);
      const page = await call(
        api,
        'listing packages',
        a.listPackages(
          tenant,
          {
            subject: flag(flags, 'subject'),
            producer: flag(flags, 'producer'),
            status: flag(flags, 'status'),
            class: flag(flags, 'class'),
            name: flag(flags, 'name'),
            limit: flag(flags, 'limit'),
          },
          flags.get('meta') ?? [],
        ),
      );
      if (flags.has('json')) out(page);
      else
        for (const p of page.packages)
          io.stdout.write(
            `${p.id}  ${p.status}  ${p.retention.class}  ${p.subject}  ${p.name}  ${p.files} files  ${p.bytes} bytes\n`,
          );
      return 0;
    }
    case 'file':
      arity(1);
      out(await call(api, 'reading the file', a.getFile(tenant, arg(0, '<file-id>'))));
      return 0;
    case 'deletion-plan': {
      arity(0);
      const limit = flag(flags, 'limit');
      const plan = await call(
        api,
        'reading the deletion plan',
        a.deletionPlan(tenant, limit === undefined ? undefined : numberArg(limit, '--limit', USAGE, 1, 1000)),
      );
      if (flags.has('json')) out(plan);
      else {
        const p = plan as {
          packages: { id: string; retentionClass: string; expiresAt: string | null; files: unknown[] }[];
          held: { id: string; activeHolds: number }[];
          blobs: { sha256: string; size: number }[];
        };
        for (const x of p.packages)
          io.stdout.write(
            `delete  ${x.id}  ${x.retentionClass}  expired ${x.expiresAt}  ${x.files.length} files\n`,
          );
        for (const x of p.held) io.stdout.write(`keep    ${x.id}  ${x.activeHolds} active holds\n`);
        const bytes = p.blobs.reduce((n, b) => n + b.size, 0);
        io.stdout.write(
          `${p.packages.length} packages and ${p.blobs.length} blobs (${bytes} bytes) would be deleted; nothing was changed\n`,
        );
      }
      return 0;
    }
    case 'manifest':
      arity(1);
      out(
        await call(
          api,
          'reading the manifest',
          a.manifest(tenant, arg(0, '<package-id>'), flags.has('proof')),
        ),
      );
      return 0;
    case 'download': {
      arity(1);
      const file = flag(flags, 'out');
      const fileSink = file ? createWriteStream(file) : undefined;
      const sink: NodeJS.WritableStream = fileSink ?? io.stdout;
      const fileId = arg(0, '<file-id>');
      const r = await call(
        api,
        'downloading',
        a
          .download(tenant, fileId, sink, {
            ...(flag(flags, 'range') ? { range: flag(flags, 'range')! } : {}),
          })
          .catch((e: unknown) => {
            if (e instanceof VellumApiError && e.code === 'not-available')
              throw new CliError(
                `downloading: ${e.message} (vellum package restore ${fileId} --days N makes it readable)`,
                1,
              );
            throw e;
          }),
      );
      if (fileSink) {
        await new Promise<void>((resolve, reject) => {
          fileSink.on('error', reject);
          fileSink.end(() => resolve());
        });
        io.stderr.write(`${r.bytes} bytes written to ${file}\n`);
      }
      return 0;
    }
    case 'restore': {
      arity(1);
      const days = numberArg(need('days'), '--days', USAGE, 1, 365);
      const r = await call(api, 'requesting the restore', a.restore(tenant, arg(0, '<file-id>'), days));
      if (flags.has('json')) out(r);
      else
        io.stdout.write(`${r.restore.status}${r.restore.expiresAt ? ` until ${r.restore.expiresAt}` : ''}\n`);
      return 0;
    }
    case 'extend': {
      arity(1);
      const until = flag(flags, 'until');
      const days = flag(flags, 'days');
      if ((until === undefined) === (days === undefined))
        throw new CliError(`give one of --until and --days\n${USAGE}`);
      const x = {
        reason: need('reason'),
        ...(until !== undefined ? { until } : { by: { days: numberArg(days, '--days', USAGE, 1) } }),
      };
      const r = await call(api, 'extending retention', a.extend(tenant, arg(0, '<package-id>'), x));
      io.stdout.write(`expires ${r.package.retention.expiresAt ?? 'never'}\n`);
      return 0;
    }
    case 'hold': {
      arity(1);
      const r = await call(
        api,
        'placing the hold',
        a.hold(tenant, arg(0, '<package-id>'), { caseId: need('case'), reason: need('reason') }),
      );
      io.stdout.write(`${r.hold.id}\n`);
      return 0;
    }
    case 'release': {
      arity(2);
      const r = await call(
        api,
        'releasing the hold',
        a.release(tenant, arg(0, '<package-id>'), arg(1, '<hold-id>'), need('reason')),
      );
      io.stdout.write(`released ${r.hold.id}\n`);
      return 0;
    }
    case 'verify':
      arity(2);
      return verify(api, a, tenant, arg(0, '<dir>'), arg(1, '<package-id>'), flag(flags, 'vkey'), io);
    default:
      throw new CliError(`unknown package command '${sub}'\n${USAGE}`);
  }
}

/** Every regular file under `dir`, as [absolute path, path relative to dir with '/'], sorted. */
async function filesOf(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const walk = async (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      throw new CliError(`cannot read ${d}: ${(e as Error).message}`, 1);
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push([p, relative(dir, p).split(sep).join('/')]);
    }
  };
  await walk(dir);
  return out.sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
}

async function push(
  api: Api,
  a: ArtifactClient,
  tenant: string,
  dir: string,
  flags: Map<string, string[]>,
  io: Io,
): Promise<number> {
  const subject = flag(flags, 'subject');
  const cls = flag(flags, 'class');
  if (!subject || !cls) throw new CliError(`push needs --subject and --class\n${USAGE}`);
  const metadata: Record<string, string> = {};
  for (const kv of flags.get('meta') ?? []) {
    const at = kv.indexOf('=');
    if (at < 1) throw new CliError(`--meta must be key=value, not ${JSON.stringify(kv)}\n${USAGE}`);
    metadata[kv.slice(0, at)] = kv.slice(at + 1);
  }
  const files = await filesOf(dir);
  if (files.length === 0) throw new CliError(`${dir} has no files to push`, 1);
  const sizes = await Promise.all(files.map(async ([p]) => (await stat(p)).size));
  const total = sizes.reduce((x, y) => x + y, 0);
  const created = await call(
    api,
    'creating the package',
    a.createPackage(tenant, {
      name: flag(flags, 'name') ?? (dir.split(/[\\/]/).filter(Boolean).pop() || 'package'),
      producer: flag(flags, 'producer') ?? 'vellum-cli',
      subject,
      retentionClass: cls,
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    }),
  );
  const id = created.package.id as string;
  const progress = new Progress(io.stderr, `push ${id}`);
  let done = 0;
  for (const [i, [file, path]] of files.entries()) {
    // Declaring the digest lets the server store the bytes once, at their
    // content address, and refuse them if they change on the way.
    const { digest: sha256 } = await hashFile(file);
    await call(
      api,
      `uploading ${path}`,
      a.uploadFile(tenant, id, {
        file,
        path,
        sha256,
        onProgress: (sent) => progress.update(done + sent, total),
      }),
    );
    done += sizes[i]!;
    progress.update(done, total);
  }
  progress.done();
  const fin = await call(api, 'finalizing the package', a.finalize(tenant, id));
  if (flags.has('json')) io.stdout.write(`${JSON.stringify(fin, null, 2)}\n`);
  else
    io.stdout.write(`${id}\nmanifest sha256:${fin.manifestSha256}\n${files.length} files, ${total} bytes\n`);
  return 0;
}

async function verify(
  api: Api,
  a: ArtifactClient,
  tenant: string,
  dir: string,
  id: string,
  vkeyFlag: string | undefined,
  io: Io,
): Promise<number> {
  const vkey =
    vkeyFlag ?? (await call(api, 'reading the audit log key', api.client.getLog(tenant, 'audit'))).vkey;
  let m: Awaited<ReturnType<ArtifactClient['verifiedManifest']>>;
  try {
    m = await a.verifiedManifest(tenant, id, vkey);
  } catch (e) {
    const mapped = (await import('./api.js')).apiError(api, 'reading the manifest', e);
    if (mapped instanceof CliError) throw mapped;
    io.stderr.write(`FAIL manifest: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout.write(
    `ok   manifest sha256:${m.sha256} is in the audit log at #${m.finalizeIndex} (receipt verified with ${vkey.split('+')[0]})\n`,
  );
  const listed = new Map<string, { size: number; sha256: string }>();
  for (const f of m.manifest.files as { path: string; size: number; sha256: string }[]) listed.set(f.path, f);
  const local = new Map((await filesOf(dir)).map(([abs, rel]) => [rel, abs]));
  let bad = 0;
  for (const [path, f] of listed) {
    const abs = local.get(path);
    if (abs === undefined) {
      io.stdout.write(`FAIL ${path}: missing locally\n`);
      bad++;
      continue;
    }
    const { size, digest } = await hashFile(abs);
    if (size !== f.size || digest !== f.sha256) {
      io.stdout.write(
        `FAIL ${path}: ${size} bytes sha256:${digest}, the manifest says ${f.size} bytes sha256:${f.sha256}\n`,
      );
      bad++;
    } else io.stdout.write(`ok   ${path}\n`);
  }
  for (const path of local.keys())
    if (!listed.has(path)) {
      io.stdout.write(`FAIL ${path}: not in the manifest\n`);
      bad++;
    }
  io.stdout.write(bad === 0 ? `verified: ${listed.size} files match package ${id}\n` : `${bad} problems\n`);
  return bad === 0 ? 0 : 1;
}

/** SHA-256 (hex) and size of a local file, streamed. */
async function hashFile(path: string): Promise<{ size: number; digest: string }> {
  const h = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(path), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) {
      size += c.length;
      h.update(c);
    }
  });
  return { size, digest: h.digest('hex') };
}
