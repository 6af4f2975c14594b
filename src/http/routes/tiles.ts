/**
 * A log as C2SP tlog-tiles serves it, under the prefix /logs/:tenant/:log:
 *
 * - `checkpoint`: text/plain; charset=utf-8, `Cache-Control: no-cache`
 *   (it changes; C2SP asks for at most a few seconds of caching);
 * - `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`: parsed strictly
 *   (non-canonical paths are 400), served only when the published tree has
 *   them (404 otherwise), application/octet-stream, immutable. Entry bundles
 *   are sent with `Content-Encoding: gzip` (no negotiation, as C2SP allows).
 *
 * Readable with a key of the tenant whose role may read, or by anyone when
 * the log is public. Public logs are cached as `public`; the others as
 * `private`, so that no shared cache hands a tenant's tiles to someone else.
 */
import type { FastifyReply } from 'fastify';
import { ENTRIES } from '../../tlog/tile.js';
import type { RouteGroup } from '../context.js';
import { recordRead } from '../read-events.js';
import { ERRORS, LOG_PARAMS, NAME } from '../schemas.js';

const SECURITY: Record<string, string[]>[] = [{ bearer: [] }, {}];

export const tileRoutes: RouteGroup = (app, { services, gzip }) => {
  const visibility = async (tenant: string, log: string) =>
    (await services.logs.find(tenant, log))?.public === true ? 'public' : 'private';

  app.get(
    '/logs/:tenant/:log/checkpoint',
    {
      config: { action: 'checkpoints:read', publicRead: true },
      schema: {
        tags: ['tlog-tiles'],
        summary: 'The latest signed checkpoint (C2SP tlog-checkpoint)',
        security: SECURITY,
        params: LOG_PARAMS,
        response: { 200: { type: 'string', description: 'text/plain; charset=utf-8' }, ...ERRORS },
      },
    },
    async (req, reply) => {
      const { tenant, log } = req.params as { tenant: string; log: string };
      const note = await services.tiles.checkpoint(tenant, log);
      await recordRead(services, req, log, { path: 'checkpoint' });
      return reply
        .header('cache-control', `${await visibility(tenant, log)}, no-cache`)
        .type('text/plain; charset=utf-8')
        .send(note);
    },
  );

  app.get(
    '/logs/:tenant/:log/tile/*',
    {
      config: { action: 'tiles:read', publicRead: true },
      schema: {
        tags: ['tlog-tiles'],
        summary: 'A hash tile or entry bundle (C2SP tlog-tiles)',
        description: 'tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]; bundles come gzip-encoded.',
        security: SECURITY,
        params: {
          type: 'object',
          required: ['tenant', 'log', '*'],
          properties: { tenant: NAME, log: NAME, '*': { type: 'string', maxLength: 200 } },
          additionalProperties: false,
        },
        response: { 200: { type: 'string', format: 'binary' }, ...ERRORS },
      },
    },
    async (req, reply: FastifyReply) => {
      const { tenant, log, '*': rest } = req.params as { tenant: string; log: string; '*': string };
      const path = `tile/${rest}`;
      const { tile, data } = await services.tiles.read(tenant, log, path);
      const body = tile.level === ENTRIES ? await gzip.get(`${tenant}/${log}/${path}`, data) : data;
      await recordRead(services, req, log, { path });
      if (tile.level === ENTRIES) reply.header('content-encoding', 'gzip');
      return reply
        .header('cache-control', `${await visibility(tenant, log)}, max-age=31536000, immutable`)
        .type('application/octet-stream')
        .send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    },
  );
};
