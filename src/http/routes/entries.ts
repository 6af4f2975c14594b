/**
 * Entries of a log (JSON API):
 *
 * - POST /v1/logs/:tenant/:log/entries[?wait=durable|published]: append one
 *   entry (octet-stream), a C2SP entry bundle, or JSON base64/text entries.
 *   `durable` (default) answers once the entries are sequenced and durable;
 *   `published` waits for the signed checkpoint that covers them and adds
 *   it, with a C2SP tlog-proof receipt per entry.
 * - GET /v1/logs/:tenant/:log/entries?start=&limit=: a page of entries,
 *   streamed, with `next` (the start of the next page, null at the end).
 * - GET /v1/logs/:tenant/:log/entries/:index: one entry, its inclusion
 *   proof and receipt, and the checkpoint they are made against.
 * - GET /v1/logs/:tenant/:log/proofs/consistency?from=&to=: an RFC 6962
 *   consistency proof (to defaults to the published size).
 */
import { Readable } from 'node:stream';
import type { Page, Wait } from '../../domain/entries.js';
import { encodeBase64 } from '../../tlog/base64.js';
import type { RouteGroup } from '../context.js';
import { decodeEntries, ENTRY_BUNDLE, OCTET_STREAM } from '../entry-body.js';
import { HttpError } from '../errors.js';
import { parseIndex } from '../params.js';
import { recordRead } from '../read-events.js';
import { BEARER, DECIMAL, ERRORS, LOG_PARAMS, NAME } from '../schemas.js';

const B64 = { type: 'string', contentEncoding: 'base64' } as const;
const PROOF = { type: 'array', items: B64, description: 'RFC 6962 proof hashes, base64' } as const;
const NOTE = {
  type: 'string',
  description: 'Signed checkpoint (C2SP tlog-checkpoint in a signed note)',
} as const;

const APPEND_JSON = {
  type: 'object',
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      minItems: 1,
      items: {
        oneOf: [
          {
            type: 'object',
            required: ['base64'],
            properties: { base64: { type: 'string' } },
            additionalProperties: false,
          },
          {
            type: 'object',
            required: ['text'],
            properties: { text: { type: 'string' } },
            additionalProperties: false,
          },
        ],
      },
    },
  },
  additionalProperties: false,
} as const;

export const entryRoutes: RouteGroup = (app, { services, metrics, limits }) => {
  app.post(
    '/v1/logs/:tenant/:log/entries',
    {
      config: { action: 'entries:append', binaryBody: [OCTET_STREAM, ENTRY_BUNDLE] },
      bodyLimit: limits.appendBodyBytes,
      schema: {
        tags: ['entries'],
        summary: 'Append entries',
        description:
          'Body: application/octet-stream (one entry, the body itself), application/vnd.vellum.entry-bundle ' +
          '(a C2SP entry bundle: uint16 big-endian length + bytes, repeated) or application/json ' +
          '({"entries": [{"base64": "..."} | {"text": "..."}]}). An entry is at most 65535 bytes.',
        security: BEARER,
        params: LOG_PARAMS,
        querystring: {
          type: 'object',
          properties: { wait: { type: 'string', enum: ['durable', 'published'], default: 'durable' } },
          additionalProperties: false,
        },
        body: { content: { 'application/json': { schema: APPEND_JSON } } },
        response: {
          201: {
            type: 'object',
            required: ['entries'],
            properties: {
              entries: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['index'],
                  properties: {
                    index: { type: 'integer' },
                    receipt: { type: 'string', description: 'C2SP tlog-proof receipt (wait=published)' },
                  },
                },
              },
              checkpoint: NOTE,
              size: { type: 'integer' },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req, reply) => {
      const { tenant, log } = req.params as { tenant: string; log: string };
      const wait: Wait = (req.query as { wait?: Wait }).wait ?? 'durable';
      const entries = decodeEntries(req.headers['content-type'], req.body, limits.appendEntries);
      const started = performance.now();
      const result = await services.entries.append(tenant, log, entries, wait);
      metrics.appended.inc({ tenant, log }, entries.length);
      metrics.appendSeconds.observe({ wait }, (performance.now() - started) / 1000);
      metrics.watch(await services.registry.get(tenant, log));
      return reply.status(201).send(result);
    },
  );

  app.get(
    '/v1/logs/:tenant/:log/entries',
    {
      config: { action: 'entries:read' },
      schema: {
        tags: ['entries'],
        summary: 'Read a page of entries (streamed JSON)',
        security: BEARER,
        params: LOG_PARAMS,
        querystring: {
          type: 'object',
          properties: { start: DECIMAL, limit: DECIMAL },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              size: { type: 'integer', description: 'The published size the page was read from' },
              start: { type: 'integer' },
              next: { type: ['integer', 'null'], description: 'start of the next page; null at the end' },
              entries: {
                type: 'array',
                items: { type: 'object', properties: { index: { type: 'integer' }, base64: B64 } },
              },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req, reply) => {
      const { tenant, log } = req.params as { tenant: string; log: string };
      const q = req.query as { start?: string; limit?: string };
      const start = parseIndex(q.start, 'start', 0);
      const limit = parseIndex(q.limit, 'limit', Math.min(100, limits.pageEntries), limits.pageEntries);
      if (limit === 0) throw new HttpError('bad-request', 'limit must be at least 1');
      const page = await services.entries.page(tenant, log, start, limit);
      // Read the first bundle before answering, so that a failure is still a proper error answer.
      const it = page.entries[Symbol.asyncIterator]();
      const first = await it.next();
      await recordRead(services, req, log, { start, limit });
      return reply.type('application/json; charset=utf-8').send(Readable.from(pageJson(page, first, it)));
    },
  );

  app.get(
    '/v1/logs/:tenant/:log/entries/:index',
    {
      config: { action: 'entries:read' },
      schema: {
        tags: ['entries'],
        summary: 'Read one entry with its inclusion proof and receipt',
        security: BEARER,
        params: {
          type: 'object',
          required: ['tenant', 'log', 'index'],
          properties: { tenant: NAME, log: NAME, index: DECIMAL },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            required: ['index', 'base64', 'size', 'proof', 'checkpoint', 'receipt'],
            properties: {
              index: { type: 'integer' },
              base64: B64,
              size: { type: 'integer', description: 'Tree size of the checkpoint the proof is for' },
              proof: PROOF,
              checkpoint: NOTE,
              receipt: { type: 'string', description: 'C2SP tlog-proof receipt' },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { tenant, log, index: raw } = req.params as { tenant: string; log: string; index: string };
      const index = parseIndex(raw, 'index');
      const e = await services.entries.entry(tenant, log, index);
      await recordRead(services, req, log, { index });
      return {
        index: e.index,
        base64: encodeBase64(e.entry),
        size: e.size,
        proof: e.proof.map(encodeBase64),
        checkpoint: e.checkpoint,
        receipt: e.receipt,
      };
    },
  );

  app.get(
    '/v1/logs/:tenant/:log/proofs/consistency',
    {
      config: { action: 'entries:read' },
      schema: {
        tags: ['entries'],
        summary: 'RFC 6962 consistency proof between two tree sizes',
        security: BEARER,
        params: LOG_PARAMS,
        querystring: {
          type: 'object',
          required: ['from'],
          properties: { from: DECIMAL, to: DECIMAL },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'proof', 'checkpoint'],
            properties: {
              from: { type: 'integer' },
              to: { type: 'integer' },
              proof: PROOF,
              checkpoint: { ...NOTE, description: 'The latest published checkpoint' },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { tenant, log } = req.params as { tenant: string; log: string };
      const q = req.query as { from?: string; to?: string };
      const from = parseIndex(q.from, 'from');
      const to = q.to === undefined ? undefined : parseIndex(q.to, 'to');
      const c = await services.entries.consistency(tenant, log, from, to);
      await recordRead(services, req, log, { from, to: c.to });
      return { from: c.from, to: c.to, proof: c.proof.map(encodeBase64), checkpoint: c.checkpoint };
    },
  );
};

type Entry = { index: number; entry: Uint8Array };

/** The page as JSON text, chunk by chunk: `next` comes before the entries, so clients can go on early. */
async function* pageJson(
  page: Page,
  first: IteratorResult<Entry>,
  rest: AsyncIterator<Entry>,
): AsyncGenerator<string> {
  yield `{"size":${page.size},"start":${page.start},"next":${page.next === null ? 'null' : page.next},"entries":[`;
  const item = (e: Entry) => `{"index":${e.index},"base64":"${encodeBase64(e.entry)}"}`;
  if (!first.done) {
    yield item(first.value);
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield `,${item(r.value)}`;
  }
  yield ']}';
}
