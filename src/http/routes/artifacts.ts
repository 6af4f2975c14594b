/**
 * The artifact store (seed 001) over HTTP, under /v1/artifacts/:tenant.
 * Routes are thin: they parse the request, call the artifact services
 * (src/domain/artifacts/) and serialize; every rule lives in the domain.
 *
 * - GET  health                                ok or degraded, with the backends
 * - GET  health/backends (and backends)         the blob store's health
 * - POST packages {name, producer, subject, retentionClass, metadata?}
 * - GET  packages?subject=&producer=&name=&status=&class=&meta=k=v&limit=&cursor=
 * - GET  packages/:id                          the package and its files
 * - GET  files/:fileId                          a file and its locations (tier, restore, last scrub)
 * - GET  deletions/plan?limit=                  the deletion dry run (changes nothing)
 * - POST packages/:id/files?path=&mediaType=&sha256=   body: the raw bytes
 *        (application/octet-stream) or a multipart/form-data form (fields, then
 *        one file part); streamed to the blob store, never buffered
 * - PUT  packages/:id/files/<path>?mediaType=&sha256=   the raw bytes, the path in the URL
 * - resumable uploads (artifact-uploads.ts): POST packages/:id/uploads, PUT and
 *   GET uploads/:uploadId, POST uploads/:uploadId/complete, DELETE uploads/:uploadId
 * - POST packages/:id/finalize
 * - GET  packages/:id/manifest[?proof=true]    the manifest (+ inclusion proof of the finalize entry)
 * - GET  files/:fileId/download[?presign=true] bytes (Range → 206), 302 to a presigned URL,
 *        or 202 with the restore status when the bytes are in a cold tier
 * - POST files/:fileId/restore {days}          202 {restore, auditIndex}: a readable copy of a cold file
 * - POST packages/:id/retention/extensions {until | by, reason}
 * - POST packages/:id/retention/holds {caseId, reason}
 * - POST packages/:id/retention/holds/:holdId/release {reason}
 *
 * Registered in its own Fastify context (see artifactPlugin): there
 * application/octet-stream and multipart/form-data bodies are handed over
 * as the request stream.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Artifacts, Manifest, PackageFilter } from '../../domain/artifacts/index.js';
import { NotAvailableError } from '../../domain/artifacts/index.js';
import { DomainError } from '../../domain/errors.js';
import type { RouteContext } from '../context.js';
import { mediaType } from '../entry-body.js';
import { HttpError } from '../errors.js';
import { readMultipartFile } from '../multipart.js';
import { parseIndex } from '../params.js';
import { recordRead } from '../read-events.js';
import { BEARER, DECIMAL, ERRORS, NAME } from '../schemas.js';
import { actor, artifactsOf, declaredLength, FILE_PARAMS, ID, TAGS } from './artifact-shared.js';
import { uploadRoutes } from './artifact-uploads.js';

const PKG_PARAMS = {
  type: 'object',
  required: ['tenant', 'id'],
  properties: { tenant: NAME, id: ID },
  additionalProperties: false,
} as const;
const TENANT = {
  type: 'object',
  required: ['tenant'],
  properties: { tenant: NAME },
  additionalProperties: false,
} as const;

/** Registers the artifact routes in an encapsulated context that streams octet-stream bodies. */
export async function artifactPlugin(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  await app.register(async (child) => {
    child.removeContentTypeParser('application/octet-stream');
    child.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    child.addContentTypeParser('multipart/form-data', (_req, payload, done) => done(null, payload));
    artifactRoutes(child, ctx);
    uploadRoutes(child, ctx);
  });
}

const tenantOf = (req: FastifyRequest) => (req.params as { tenant: string }).tenant;

export function artifactRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { services } = ctx;
  const base = '/v1/artifacts/:tenant';

  /**
   * Adds one file to a package: POST packages/:id/files (raw bytes or a
   * form; path in the query or the form) and PUT packages/:id/files/<path>
   * (raw bytes; path in the URL).
   */
  async function addFile(req: FastifyRequest, reply: FastifyReply, urlPath?: string) {
    const { tenant, id } = req.params as { tenant: string; id: string };
    // PUT's query schema has no path: the URL gives it.
    const q = { ...(req.query as { path?: string; mediaType?: string; sha256?: string }) };
    if (urlPath !== undefined) q.path = urlPath;
    const type = mediaType(req.headers['content-type']);
    if (urlPath !== undefined && type === 'multipart/form-data')
      throw new HttpError(
        'unsupported-media-type',
        'PUT takes the raw bytes (application/octet-stream); send a form with POST packages/:id/files',
      );
    const raw = req.body instanceof Readable ? req.body : undefined;
    let body: Readable;
    let file: { path?: string; mediaType?: string; sha256?: string; size?: number };
    try {
      if (type === 'multipart/form-data' && raw) {
        const form = await readMultipartFile(raw, req.headers, { fields: ['path', 'mediaType', 'sha256'] });
        body = form.stream;
        file = {
          ...pick('path', q.path, form.fields.path, form.fileName || undefined),
          // The part's own Content-Type is the default; a mediaType field or parameter says it outright.
          ...pick('mediaType', q.mediaType, form.fields.mediaType, form.mediaType || undefined),
          ...pick('sha256', q.sha256, form.fields.sha256),
        };
      } else {
        if (raw) body = raw;
        else if (req.body === undefined && (type === 'application/octet-stream' || type === ''))
          body = Readable.from([]);
        else
          throw new HttpError(
            'unsupported-media-type',
            'send the file as application/octet-stream or multipart/form-data',
          );
        const size = declaredLength(req);
        file = {
          ...(q.path !== undefined && { path: q.path }),
          ...(q.mediaType !== undefined && { mediaType: q.mediaType }),
          ...(q.sha256 !== undefined && { sha256: q.sha256 }),
          ...(size !== undefined && { size }),
        };
      }
      if (file.path === undefined) throw new HttpError('bad-request', 'name the file: path is required');
    } catch (e) {
      if (raw && !raw.readableEnded) raw.resume();
      throw e;
    }
    try {
      const r = await artifactsOf(ctx).files.add(tenant, actor(req), id, {
        ...file,
        path: file.path,
        body,
      });
      return reply.status(201).send(r);
    } catch (e) {
      // Refused before the body was read: drain it, so the answer reaches the client.
      if (raw && !raw.readableEnded) {
        raw.unpipe();
        raw.resume();
      }
      if (body !== raw && !body.destroyed) body.destroy();
      throw e;
    }
  }

  const backends = async () => {
    const h = await artifactsOf(ctx).context.blobs.health();
    return [{ ...h, role: 'blobs' }];
  };
  for (const [path, summary] of [
    ['health/backends', 'Health of the blob store'],
    ['backends', 'Health of the blob store (the same as health/backends)'],
  ] as const)
    app.get(
      `${base}/${path}`,
      {
        config: { action: 'artifacts:read' },
        schema: { tags: TAGS, summary, security: BEARER, params: TENANT },
      },
      async () => ({ backends: await backends() }),
    );
  app.get(
    `${base}/health`,
    {
      config: { action: 'artifacts:read' },
      schema: {
        tags: TAGS,
        summary: 'The artifact store: ok, or degraded with the backends that are not',
        security: BEARER,
        params: TENANT,
      },
    },
    async () => {
      const list = await backends();
      return { status: list.every((b) => b.ok) ? 'ok' : 'degraded', backends: list };
    },
  );

  app.post(
    `${base}/packages`,
    {
      config: { action: 'artifacts:write' },
      schema: {
        tags: TAGS,
        summary: 'Create an open package',
        security: BEARER,
        params: TENANT,
        body: {
          type: 'object',
          required: ['name', 'producer', 'subject', 'retentionClass'],
          properties: {
            name: { type: 'string', maxLength: 200 },
            producer: { type: 'string', maxLength: 200 },
            subject: { type: 'string', maxLength: 200 },
            retentionClass: { type: 'string', maxLength: 64 },
            metadata: {},
          },
          additionalProperties: false,
        },
        response: { ...ERRORS },
      },
    },
    async (req, reply) => {
      const body = req.body as Parameters<Artifacts['packages']['create']>[2];
      const r = await artifactsOf(ctx).packages.create(tenantOf(req), actor(req), body);
      return reply.status(201).send(r);
    },
  );

  app.get(
    `${base}/packages`,
    {
      config: { action: 'artifacts:read' },
      schema: {
        tags: TAGS,
        summary: 'List and search packages, newest first',
        security: BEARER,
        params: TENANT,
        querystring: {
          type: 'object',
          properties: {
            subject: { type: 'string', maxLength: 200 },
            producer: { type: 'string', maxLength: 200 },
            name: { type: 'string', maxLength: 200 },
            status: { type: 'string', maxLength: 32 },
            class: { type: 'string', maxLength: 64 },
            meta: {
              anyOf: [
                { type: 'string', maxLength: 1000 },
                { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 1000 } },
              ],
              description: 'key=value (repeatable): metadata fields that must equal the value',
            },
            createdFrom: { type: 'string', format: 'date-time' },
            createdTo: { type: 'string', format: 'date-time' },
            limit: DECIMAL,
            cursor: { type: 'string', maxLength: 200 },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const one = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
      const meta = q.meta === undefined ? [] : Array.isArray(q.meta) ? q.meta : [q.meta];
      const metadata: Record<string, string> = {};
      for (const kv of meta) {
        const at = kv.indexOf('=');
        if (at < 1) throw new HttpError('bad-request', `meta must be key=value, not ${JSON.stringify(kv)}`);
        metadata[kv.slice(0, at)] = kv.slice(at + 1);
      }
      const filter: PackageFilter = {
        ...(one('subject') !== undefined ? { subject: one('subject')! } : {}),
        ...(one('producer') !== undefined ? { producer: one('producer')! } : {}),
        ...(one('name') !== undefined ? { name: one('name')! } : {}),
        ...(one('status') !== undefined ? { status: one('status')! } : {}),
        ...(one('class') !== undefined ? { retentionClass: one('class')! } : {}),
        ...(meta.length > 0 ? { metadata } : {}),
        ...(one('createdFrom') !== undefined ? { createdFrom: new Date(one('createdFrom')!) } : {}),
        ...(one('createdTo') !== undefined ? { createdTo: new Date(one('createdTo')!) } : {}),
        limit: parseIndex(one('limit'), 'limit', 100, 1000),
        ...(one('cursor') !== undefined ? { cursor: one('cursor')! } : {}),
      };
      const page = await artifactsOf(ctx).packages.list(tenantOf(req), filter);
      await recordRead(services, req, null, { artifacts: 'packages', ...flat(q) });
      return page;
    },
  );

  app.get(
    `${base}/packages/:id`,
    {
      config: { action: 'artifacts:read' },
      schema: { tags: TAGS, summary: 'A package, its files and holds', security: BEARER, params: PKG_PARAMS },
    },
    async (req) => {
      const { tenant, id } = req.params as { tenant: string; id: string };
      const a = artifactsOf(ctx);
      const pkg = await a.packages.get(tenant, id);
      const [files, holds] = await Promise.all([a.files.list(tenant, id), a.holds.list(tenant, id)]);
      await recordRead(services, req, null, { artifacts: 'package', package: id });
      return { package: pkg, files, holds };
    },
  );

  app.post(
    `${base}/packages/:id/files`,
    {
      config: { action: 'artifacts:write' },
      schema: {
        tags: TAGS,
        summary: 'Upload one file: the raw bytes (application/octet-stream) or a form (multipart/form-data)',
        description:
          'Raw: the body is the file; path, mediaType and sha256 are query parameters. ' +
          'Form: fields path, mediaType and sha256 (any may be query parameters instead), then one file part; ' +
          "the path defaults to the part's file name. Either way the bytes stream to the blob store and are " +
          'hashed by Vellum; a declared sha256 that differs, a size over the limit, or a form that is not well ' +
          'formed to its end stores nothing.',
        security: BEARER,
        params: PKG_PARAMS,
        querystring: {
          type: 'object',
          properties: {
            path: { type: 'string', minLength: 1, maxLength: 1024 },
            mediaType: { type: 'string', maxLength: 255 },
            sha256: { type: 'string', maxLength: 64 },
          },
          additionalProperties: false,
        },
      },
    },
    (req, reply) => addFile(req, reply),
  );

  app.put(
    `${base}/packages/:id/files/*`,
    {
      config: { action: 'artifacts:write' },
      schema: {
        tags: TAGS,
        summary: 'Upload one file as raw bytes, its relative path in the URL',
        description:
          'The same as POST packages/:id/files with application/octet-stream, the path being the rest of ' +
          'the URL (percent-encoded as needed). Nothing is replaced: a path already in the package is 409.',
        security: BEARER,
        params: {
          type: 'object',
          required: ['tenant', 'id', '*'],
          properties: { tenant: NAME, id: ID, '*': { type: 'string', minLength: 1, maxLength: 1024 } },
          additionalProperties: false,
        },
        querystring: {
          type: 'object',
          properties: {
            mediaType: { type: 'string', maxLength: 255 },
            sha256: { type: 'string', maxLength: 64 },
          },
          additionalProperties: false,
        },
      },
    },
    (req, reply) => addFile(req, reply, (req.params as { '*': string })['*']),
  );

  app.get(
    `${base}/files/:fileId`,
    {
      config: { action: 'artifacts:read' },
      schema: {
        tags: TAGS,
        summary: 'A file: path, digest, size, and its storage locations (tier, restore status, last scrub)',
        security: BEARER,
        params: FILE_PARAMS,
      },
    },
    async (req) => {
      const { tenant, fileId } = req.params as { tenant: string; fileId: string };
      const file = await artifactsOf(ctx).files.get(tenant, fileId);
      await recordRead(services, req, null, { artifacts: 'file', file: fileId });
      return { file };
    },
  );

  app.get(
    `${base}/deletions/plan`,
    {
      config: { action: 'artifacts:read' },
      schema: {
        tags: TAGS,
        summary: 'The deletion dry run: what the deletion job would delete now, and what holds keep',
        description:
          "What the retention job's next run would delete: packages past their expiry and not held " +
          '(`swept`: already marked deletion-eligible), packages whose deletion was interrupted (`resume`), ' +
          'with their files; marked packages a hold now keeps; and the blobs no package would use any more. ' +
          'Changes nothing.',
        security: BEARER,
        params: TENANT,
        querystring: {
          type: 'object',
          properties: { limit: DECIMAL },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { tenant } = req.params as { tenant: string };
      const { limit } = req.query as { limit?: string };
      const plan = await artifactsOf(ctx).deletion.plan(tenant, {
        // The retention job's own batch: the plan shows what one run of it would take.
        limit: parseIndex(limit, 'limit', 1000, 1000),
        withUnswept: true,
      });
      await recordRead(services, req, null, { artifacts: 'deletion-plan' });
      return plan;
    },
  );

  app.post(
    `${base}/packages/:id/finalize`,
    {
      config: { action: 'artifacts:write' },
      schema: {
        tags: TAGS,
        summary: 'Finalize a package (writes its manifest)',
        security: BEARER,
        params: PKG_PARAMS,
      },
    },
    async (req) => {
      const { tenant, id } = req.params as { tenant: string; id: string };
      return artifactsOf(ctx).packages.finalize(tenant, actor(req), id);
    },
  );

  app.get(
    `${base}/packages/:id/manifest`,
    {
      config: { action: 'artifacts:read' },
      schema: {
        tags: TAGS,
        summary:
          'The manifest of a finalized package (with ?proof=true, the inclusion proof of its finalize entry)',
        security: BEARER,
        params: PKG_PARAMS,
        querystring: {
          type: 'object',
          properties: { proof: { type: 'string', enum: ['true', 'false'] } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { tenant, id } = req.params as { tenant: string; id: string };
      const proof = (req.query as { proof?: string }).proof === 'true';
      const m = await artifactsOf(ctx).packages.manifest(tenant, id, { proof });
      await recordRead(services, req, null, { artifacts: 'manifest', package: id, proof });
      return manifestJson(m.packageId, m.manifest, m.bytes, m.sha256, m.finalizeIndex, m.inclusion);
    },
  );

  app.get(
    '/v1/artifacts/:tenant/files/:fileId/download',
    {
      config: { action: 'artifacts:read' },
      schema: {
        tags: TAGS,
        summary: "A file's bytes (Range supported), a presigned URL (302), or 202 while it is restored",
        security: BEARER,
        params: FILE_PARAMS,
        querystring: {
          type: 'object',
          properties: {
            presign: { type: 'string', enum: ['true', 'false'] },
            expires: DECIMAL,
          },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const { tenant, fileId } = req.params as { tenant: string; fileId: string };
      const q = req.query as { presign?: string; expires?: string };
      const a = artifactsOf(ctx);
      // Checked here, whatever the store: a lifetime of 0 is the caller's mistake, not the driver's.
      const presign =
        q.presign === 'true' ? { expiresSeconds: parseIndex(q.expires, 'expires', 900, 604_800) } : undefined;
      if (presign && presign.expiresSeconds < 1)
        throw new HttpError('bad-request', 'expires must be from 1 to 604800 seconds');
      let range: { start: number; end?: number } | undefined;
      const header = req.headers.range;
      if (typeof header === 'string' && header !== '') {
        const file = await a.files.get(tenant, fileId);
        try {
          range = parseRange(header, file.size);
        } catch (e) {
          reply.header('content-range', `bytes */${file.size}`);
          throw e;
        }
      }
      try {
        const d = await a.files.download(tenant, actor(req), fileId, {
          ...(range ? { range } : {}),
          ...(presign ? { presign } : {}),
        });
        await recordRead(services, req, null, {
          artifacts: 'download',
          file: fileId,
          ...(range ? { range: `${range.start}-${range.end ?? ''}` } : {}),
        }).catch((e) => {
          if (d.kind === 'stream') d.stream.destroy();
          throw e;
        });
        reply.header('cache-control', 'no-store');
        if (d.kind === 'redirect') return reply.redirect(d.url, 302);
        reply
          .header('content-type', d.file.mediaType || 'application/octet-stream')
          .header('content-length', String(d.length))
          .header('accept-ranges', 'bytes')
          .header('etag', `"sha256:${d.file.sha256}"`)
          .header('x-vellum-sha256', d.file.sha256)
          .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(d.fileName)}`);
        if (d.range) {
          reply.status(206).header('content-range', `bytes ${d.range.start}-${d.range.end}/${d.file.size}`);
        }
        return reply.send(d.stream);
      } catch (e) {
        if (e instanceof NotAvailableError)
          return reply
            .status(202)
            .header('cache-control', 'no-store')
            .send({
              error: { code: e.code, message: e.message },
              restore: restoreJson(e.restore),
            });
        throw e;
      }
    },
  );

  /** A restore state as JSON: the same shape in the download's 202 and the restore route's answer. */
  const restoreJson = (r: NotAvailableError['restore']) => ({
    status: r.status,
    ...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {}),
  });

  app.post(
    `${base}/files/:fileId/restore`,
    {
      // Whoever may download a file may ask for its bytes to be made readable again.
      config: { action: 'artifacts:read' },
      schema: {
        tags: TAGS,
        summary: 'Ask for a readable copy of a file in a cold or archive tier, for `days` days (202)',
        security: BEARER,
        params: FILE_PARAMS,
        body: {
          type: 'object',
          required: ['days'],
          properties: {
            days: {
              type: 'integer',
              minimum: 1,
              maximum: 365,
              description: 'How long the restored copy stays readable',
            },
          },
          additionalProperties: false,
        },
        response: {
          202: {
            description: 'The restore is requested (or done, or not needed: status available)',
            type: 'object',
            required: ['restore', 'auditIndex'],
            properties: {
              restore: {
                type: 'object',
                required: ['status'],
                properties: {
                  status: {
                    type: 'string',
                    enum: ['available', 'archived', 'restore-requested', 'restoring', 'restored', 'expired'],
                  },
                  expiresAt: { type: 'string', format: 'date-time' },
                },
              },
              auditIndex: { type: 'integer' },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req, reply) => {
      const { tenant, fileId } = req.params as { tenant: string; fileId: string };
      const { days } = req.body as { days: number };
      const r = await artifactsOf(ctx).files.restore(tenant, actor(req), fileId, { days });
      return reply
        .status(202)
        .header('cache-control', 'no-store')
        .send({ restore: restoreJson(r.restore), auditIndex: r.auditIndex });
    },
  );

  const reasonBody = (required: string[], props: Record<string, unknown>) => ({
    type: 'object',
    required,
    properties: props,
    additionalProperties: false,
  });

  app.post(
    `${base}/packages/:id/retention/extensions`,
    {
      config: { action: 'artifacts:retain' },
      schema: {
        tags: TAGS,
        summary: "Move a package's expiry later",
        security: BEARER,
        params: PKG_PARAMS,
        body: reasonBody(['reason'], {
          until: { type: 'string', format: 'date-time' },
          by: {
            type: 'object',
            properties: {
              days: { type: 'integer', minimum: 1 },
              years: { type: 'integer', minimum: 1 },
              seconds: { type: 'integer', minimum: 1 },
            },
            additionalProperties: false,
          },
          reason: { type: 'string', minLength: 1, maxLength: 2000 },
        }),
      },
    },
    async (req) => {
      const { tenant, id } = req.params as { tenant: string; id: string };
      const body = req.body as Parameters<Artifacts['extensions']['extend']>[3];
      return artifactsOf(ctx).extensions.extend(tenant, actor(req), id, body);
    },
  );

  app.post(
    `${base}/packages/:id/retention/holds`,
    {
      config: { action: 'artifacts:retain' },
      schema: {
        tags: TAGS,
        summary: 'Place a legal hold on a package',
        security: BEARER,
        params: PKG_PARAMS,
        body: reasonBody(['caseId', 'reason'], {
          caseId: { type: 'string', minLength: 1, maxLength: 200 },
          reason: { type: 'string', minLength: 1, maxLength: 2000 },
        }),
      },
    },
    async (req, reply) => {
      const { tenant, id } = req.params as { tenant: string; id: string };
      const body = req.body as { caseId: string; reason: string };
      return reply.status(201).send(await artifactsOf(ctx).holds.apply(tenant, actor(req), id, body));
    },
  );

  app.post(
    `${base}/packages/:id/retention/holds/:holdId/release`,
    {
      config: { action: 'artifacts:retain' },
      schema: {
        tags: TAGS,
        summary: 'Release a legal hold',
        security: BEARER,
        params: {
          type: 'object',
          required: ['tenant', 'id', 'holdId'],
          properties: { tenant: NAME, id: ID, holdId: ID },
          additionalProperties: false,
        },
        body: reasonBody(['reason'], { reason: { type: 'string', minLength: 1, maxLength: 2000 } }),
      },
    },
    async (req) => {
      const { tenant, id, holdId } = req.params as { tenant: string; id: string; holdId: string };
      const body = req.body as { reason: string };
      return artifactsOf(ctx).holds.release(tenant, actor(req), id, holdId, body);
    },
  );
}

/** A value given as a query parameter or as a form field, not both; else `fallback`. */
function pick<K extends string>(
  name: K,
  query: string | undefined,
  form: string | undefined,
  fallback?: string,
): { [k in K]?: string } {
  if (query !== undefined && form !== undefined)
    throw new HttpError('bad-request', `${name} is given twice (query and form): give it once`);
  const v = query ?? form ?? fallback;
  return (v === undefined ? {} : { [name]: v }) as { [k in K]?: string };
}

function flat(q: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join('&') : v;
  return out;
}

/**
 * A single `bytes=` range against a file of `size` bytes (RFC 9110 14.1.2):
 * undefined (serve it all) for anything else; 'bad-range' when unsatisfiable.
 */
export function parseRange(header: string, size: number): { start: number; end?: number } | undefined {
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const unsatisfiable = () =>
    new DomainError('bad-range', `range ${header} is outside the file (${size} bytes)`);
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (start >= size) throw unsatisfiable();
  if (m[2] === '') return { start };
  const end = Number(m[2]);
  if (end < start) return undefined;
  return { start, end: Math.min(end, size - 1) };
}

function manifestJson(
  packageId: string,
  manifest: Manifest,
  bytes: Uint8Array,
  sha256: string,
  finalizeIndex: number,
  inclusion: import('../../domain/artifacts/index.js').Inclusion | undefined,
) {
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  return {
    packageId,
    manifest,
    manifestBase64: b64(bytes),
    sha256,
    finalizeIndex,
    ...(inclusion
      ? {
          inclusion: {
            index: inclusion.index,
            entry: b64(inclusion.entry),
            size: inclusion.size,
            proof: inclusion.proof.map(b64),
            checkpoint: inclusion.checkpoint,
            receipt: inclusion.receipt,
          },
        }
      : {}),
  };
}
