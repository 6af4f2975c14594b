/**
 * The immutable logger (seed 004) over HTTP, on the tenant's `records` log:
 *
 * - POST /v1/records/:tenant {records: [{level, message, metadata?, host?, pid?}]}:
 *   writes records as canonical JSON entries; answers once they are durable.
 * - GET /v1/records/:tenant?level=&from=&to=&text=&limit=&cursor=: newest
 *   first, filtered (levels comma-separated; times in ms, `from` inclusive,
 *   `to` exclusive; `text` full-text, every word must match), keyset paged.
 * - GET /v1/records/:tenant/stats: counts per level, bytes, oldest/newest.
 * - POST /v1/records/:tenant/verify: the server audits the records log up to
 *   its checkpoint (the SDK's verify() does the same locally, trusting only
 *   the log's key).
 */
import type { RouteContext, RouteGroup } from '../context.js';
import { parseIndex } from '../params.js';
import { recordRead } from '../read-events.js';
import { BEARER, DECIMAL, ERRORS, TENANT_PARAMS } from '../schemas.js';

const LEVEL = {
  type: 'string',
  enum: ['INFO', 'WARN', 'ERROR', 'CRITICAL', 'AUDIT', 'SECURITY', 'REVENUE', 'SYSTEM'],
} as const;

const RECORD = {
  type: 'object',
  required: ['index', 'level', 'message', 'metadata', 'actor', 'host', 'pid', 'time', 'size'],
  properties: {
    index: { type: 'integer' },
    level: LEVEL,
    message: { type: 'string' },
    metadata: {},
    actor: { type: 'string' },
    host: { type: ['string', 'null'] },
    pid: { type: ['integer', 'null'] },
    time: { type: 'string', format: 'date-time' },
    size: { type: 'integer' },
  },
} as const;

const NEW_RECORD = {
  type: 'object',
  required: ['level', 'message'],
  properties: {
    level: { type: 'string', maxLength: 16 },
    message: { type: 'string', minLength: 1, maxLength: 16384 },
    metadata: {},
    host: { type: 'string', maxLength: 255 },
    pid: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
} as const;

export const recordRoutes: RouteGroup = (app, { services, limits }: RouteContext) => {
  app.post(
    '/v1/records/:tenant',
    {
      config: { action: 'records:write' },
      bodyLimit: limits.appendBodyBytes,
      schema: {
        tags: ['records'],
        summary: 'Write records (the immutable logger)',
        security: BEARER,
        params: TENANT_PARAMS,
        body: {
          type: 'object',
          required: ['records'],
          properties: { records: { type: 'array', minItems: 1, maxItems: 10000, items: NEW_RECORD } },
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            required: ['indexes'],
            properties: { indexes: { type: 'array', items: { type: 'integer' } } },
          },
          ...ERRORS,
        },
      },
    },
    async (req, reply) => {
      const { tenant } = req.params as { tenant: string };
      const { records } = req.body as { records: { level: string; message: string }[] };
      const indexes = await services.records.write(tenant, req.principal!.keyId, records);
      return reply.status(201).send({ indexes });
    },
  );

  app.get(
    '/v1/records/:tenant',
    {
      config: { action: 'records:read' },
      schema: {
        tags: ['records'],
        summary: 'Read and search records, newest first',
        security: BEARER,
        params: TENANT_PARAMS,
        querystring: {
          type: 'object',
          properties: {
            level: { type: 'string', maxLength: 200, description: 'Comma-separated levels' },
            from: { ...DECIMAL, description: 'Start time, ms since the epoch (inclusive)' },
            to: { ...DECIMAL, description: 'End time, ms since the epoch (exclusive)' },
            text: { type: 'string', maxLength: 1000, description: 'Full-text: every word must match' },
            limit: DECIMAL,
            cursor: { ...DECIMAL, description: 'nextCursor of the previous page' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            required: ['records', 'nextCursor'],
            properties: {
              records: { type: 'array', items: RECORD },
              nextCursor: { type: ['integer', 'null'] },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { tenant } = req.params as { tenant: string };
      const q = req.query as Record<string, string | undefined>;
      const filter = {
        ...(q.level ? { level: q.level.split(',').filter((l) => l !== '') } : {}),
        ...(q.from !== undefined ? { from: parseIndex(q.from, 'from') } : {}),
        ...(q.to !== undefined ? { to: parseIndex(q.to, 'to') } : {}),
        ...(q.text ? { text: q.text } : {}),
        limit: parseIndex(q.limit, 'limit', 100, 1000),
        ...(q.cursor !== undefined ? { cursor: parseIndex(q.cursor, 'cursor') } : {}),
      };
      const page = await services.records.query(tenant, filter);
      const { level, ...rest } = filter as typeof filter & { level?: string[] };
      await recordRead(services, req, 'records', { ...rest, ...(level ? { level: level.join(',') } : {}) });
      return page;
    },
  );

  app.get(
    '/v1/records/:tenant/stats',
    {
      config: { action: 'records:read' },
      schema: {
        tags: ['records'],
        summary: 'Record statistics: counts per level, sizes, oldest and newest',
        security: BEARER,
        params: TENANT_PARAMS,
        response: {
          200: {
            type: 'object',
            required: [
              'totalEntries',
              'bytes',
              'levels',
              'oldestEntry',
              'newestEntry',
              'logSize',
              'indexedThrough',
            ],
            properties: {
              totalEntries: { type: 'integer' },
              bytes: { type: 'integer' },
              levels: { type: 'object', additionalProperties: { type: 'integer' } },
              oldestEntry: { type: ['string', 'null'], format: 'date-time' },
              newestEntry: { type: ['string', 'null'], format: 'date-time' },
              logSize: { type: 'integer', description: 'Entries in the records log' },
              indexedThrough: { type: ['integer', 'null'], description: 'Last index in the search index' },
              verified: {
                type: 'object',
                description: 'The latest full audit of the records log (at most a minute old)',
                required: ['ok', 'size', 'at'],
                properties: {
                  ok: { type: 'boolean' },
                  size: { type: 'integer' },
                  at: { type: 'string', format: 'date-time' },
                },
              },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { tenant } = req.params as { tenant: string };
      const s = await services.records.stats(tenant);
      await recordRead(services, req, 'records', { stats: true });
      const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
      return {
        totalEntries: s.total,
        bytes: s.bytes,
        levels: s.levels,
        oldestEntry: iso(s.oldest),
        newestEntry: iso(s.newest),
        logSize: s.logSize,
        indexedThrough: s.lastIndex,
        verified: s.verified,
      };
    },
  );

  app.post(
    '/v1/records/:tenant/verify',
    {
      config: { action: 'logs:verify' },
      schema: {
        tags: ['records'],
        summary: 'Audit the records log up to its latest checkpoint (server side)',
        security: BEARER,
        params: TENANT_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['ok', 'size', 'root'],
            properties: {
              ok: { type: 'boolean' },
              size: { type: 'integer' },
              root: { type: 'string' },
              item: { type: 'string' },
              reason: { type: 'string' },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { tenant } = req.params as { tenant: string };
      const r = await services.records.verify(tenant);
      await recordRead(services, req, 'records', { verify: true });
      return r;
    },
  );
};
