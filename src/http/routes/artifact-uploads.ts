/**
 * Resumable uploads over HTTP (src/domain/artifacts/resumable.ts), for files
 * too large to send in one request that must not break off:
 *
 * - POST   packages/:id/uploads {path, mediaType?, size, sha256}  → 201 the upload
 * - PUT    uploads/:uploadId?offset=N[&sha256=]   body: the next part's raw bytes
 *          (application/octet-stream) → 200 the upload with `received`;
 *          409 when `offset` is not where the upload stands (the message says where)
 * - GET    uploads/:uploadId                      → the upload (`received`: where to resume)
 * - POST   uploads/:uploadId/complete             → 201 the file, as a single upload answers
 * - DELETE uploads/:uploadId                      → the upload, aborted (its parts deleted)
 *
 * All under /v1/artifacts/:tenant and all 'artifacts:write': an upload is
 * part of writing a package. Registered inside artifactPlugin's context,
 * where octet-stream bodies arrive as the request stream.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context.js';
import { HttpError } from '../errors.js';
import { BEARER, DECIMAL, NAME } from '../schemas.js';
import { actor, artifactsOf, declaredLength, ID, TAGS } from './artifact-shared.js';

const UPLOAD_PARAMS = {
  type: 'object',
  required: ['tenant', 'uploadId'],
  properties: { tenant: NAME, uploadId: ID },
  additionalProperties: false,
} as const;

export function uploadRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const base = '/v1/artifacts/:tenant';

  app.post(
    `${base}/packages/:id/uploads`,
    {
      config: { action: 'artifacts:write' },
      schema: {
        tags: TAGS,
        summary: 'Start a resumable upload of one file (declare its size and sha256)',
        security: BEARER,
        params: {
          type: 'object',
          required: ['tenant', 'id'],
          properties: { tenant: NAME, id: ID },
          additionalProperties: false,
        },
        body: {
          type: 'object',
          required: ['path', 'size', 'sha256'],
          properties: {
            path: { type: 'string', minLength: 1, maxLength: 1024 },
            mediaType: { type: 'string', maxLength: 255 },
            size: { type: 'integer', minimum: 0 },
            sha256: { type: 'string', maxLength: 64 },
          },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const { tenant, id } = req.params as { tenant: string; id: string };
      const body = req.body as { path: string; mediaType?: string; size: number; sha256: string };
      const upload = await artifactsOf(ctx).uploads.start(tenant, actor(req), id, body);
      return reply.status(201).send({ upload });
    },
  );

  app.put(
    `${base}/uploads/:uploadId`,
    {
      config: { action: 'artifacts:write' },
      schema: {
        tags: TAGS,
        summary: 'Send the next part of a resumable upload (raw bytes at ?offset=received)',
        security: BEARER,
        params: UPLOAD_PARAMS,
        querystring: {
          type: 'object',
          required: ['offset'],
          properties: {
            offset: DECIMAL,
            sha256: { type: 'string', maxLength: 64, description: "this part's SHA-256, checked on arrival" },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { tenant, uploadId } = req.params as { tenant: string; uploadId: string };
      const q = req.query as { offset: string; sha256?: string };
      const body = req.body instanceof Readable ? req.body : undefined;
      try {
        if (!body) throw new HttpError('unsupported-media-type', 'send the part as application/octet-stream');
        if (!/^(0|[1-9][0-9]{0,15})$/.test(q.offset) || !Number.isSafeInteger(Number(q.offset)))
          throw new HttpError('bad-request', 'offset must be a non-negative integer');
        const size = declaredLength(req);
        const upload = await artifactsOf(ctx).uploads.put(tenant, uploadId, {
          offset: Number(q.offset),
          body,
          ...(size !== undefined && { size }),
          ...(q.sha256 !== undefined && { sha256: q.sha256 }),
        });
        return { upload };
      } catch (e) {
        // Refused before the body was read: drain it, so the answer reaches the client.
        if (body && !body.readableEnded) body.resume();
        throw e;
      }
    },
  );

  app.get(
    `${base}/uploads/:uploadId`,
    {
      config: { action: 'artifacts:write' },
      schema: {
        tags: TAGS,
        summary: 'A resumable upload: its state and how many bytes are in',
        security: BEARER,
        params: UPLOAD_PARAMS,
      },
    },
    async (req) => {
      const { tenant, uploadId } = req.params as { tenant: string; uploadId: string };
      return { upload: await artifactsOf(ctx).uploads.status(tenant, uploadId) };
    },
  );

  app.post(
    `${base}/uploads/:uploadId/complete`,
    {
      config: { action: 'artifacts:write' },
      schema: {
        tags: TAGS,
        summary: 'Complete a resumable upload: the file is added to its package (checked against the sha256)',
        security: BEARER,
        params: UPLOAD_PARAMS,
      },
    },
    async (req, reply) => {
      const { tenant, uploadId } = req.params as { tenant: string; uploadId: string };
      return reply.status(201).send(await artifactsOf(ctx).uploads.complete(tenant, actor(req), uploadId));
    },
  );

  app.delete(
    `${base}/uploads/:uploadId`,
    {
      config: { action: 'artifacts:write' },
      schema: {
        tags: TAGS,
        summary: 'Abort a resumable upload (its parts are deleted)',
        security: BEARER,
        params: UPLOAD_PARAMS,
      },
    },
    async (req) => {
      const { tenant, uploadId } = req.params as { tenant: string; uploadId: string };
      return { upload: await artifactsOf(ctx).uploads.abort(tenant, uploadId) };
    },
  );
}
