/**
 * THE table from error codes to HTTP statuses, and the one shape every
 * error answer has: `{"error": {"code": "...", "message": "..."}}`.
 *
 * Codes come from the layers' error classes (LedgerError, TlogError,
 * StorageError, DomainError), from Fastify's own checks of the request
 * (bad JSON, wrong content type, body too large, schema validation), and
 * from this edge (rate limits, unknown routes). Retryable failures answer
 * 503 (or 429) with Retry-After. Anything not in the table is a bug: it
 * answers 500 `internal` with no detail (the log has it). No client input
 * may reach that branch.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import { LedgerError } from '../ledger/errors.js';
import { StorageError } from '../storage/errors.js';
import { TlogError } from '../tlog/errors.js';

/** An error raised by the HTTP edge itself. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    /** Seconds, for 'rate-limited'. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export type HttpErrorCode =
  | 'rate-limited'
  | 'unsupported-media-type'
  | 'body-too-large'
  | 'bad-request'
  | 'no-route'
  | 'method-not-allowed';

interface Mapping {
  readonly status: number;
  /** Seconds for Retry-After, on retryable answers. */
  readonly retryAfter?: number;
}

const m = (status: number, retryAfter?: number): Mapping =>
  retryAfter === undefined ? { status } : { status, retryAfter };

/** Status by `<class>:<code>`. */
export const STATUS: Readonly<Record<string, Mapping>> = {
  // src/domain
  'DomainError:bad-request': m(400),
  'DomainError:not-canonical': m(400),
  'DomainError:unauthenticated': m(401),
  'DomainError:forbidden': m(403),
  'DomainError:not-found': m(404),
  'DomainError:exists': m(409),
  'DomainError:unavailable': m(503, 1),
  'DomainError:conflict': m(409),
  'DomainError:too-large': m(413),
  'DomainError:digest-mismatch': m(422),
  'DomainError:bad-range': m(416),
  'DomainError:not-available': m(202),
  // src/ledger
  'LedgerError:bad-request': m(400),
  'LedgerError:empty-batch': m(400),
  'LedgerError:out-of-range': m(404),
  'LedgerError:unknown-log': m(404),
  'LedgerError:log-exists': m(409),
  'LedgerError:entry-too-large': m(413),
  'LedgerError:pool-full': m(503, 1),
  'LedgerError:unavailable': m(503, 1),
  'LedgerError:conflict': m(503, 1),
  'LedgerError:closed': m(503, 5),
  'LedgerError:corrupt': m(500),
  // src/tlog: its parsers only ever see client input here (paths, bodies, keys)
  'TlogError:entry-too-large': m(413),
  'TlogError:*': m(400),
  // src/storage
  'StorageError:bad-key': m(400),
  'StorageError:exists-different': m(409),
  'StorageError:unavailable': m(503, 1),
  'StorageError:lock-conflict': m(503, 1),
  'StorageError:forbidden': m(500),
  // this edge, and Fastify's checks of the request
  'HttpError:bad-request': m(400),
  'HttpError:no-route': m(404),
  'HttpError:method-not-allowed': m(405),
  'HttpError:body-too-large': m(413),
  'HttpError:unsupported-media-type': m(415),
  'HttpError:rate-limited': m(429),
};

/** Fastify error codes (FST_ERR_*) that are the client's doing, as our codes. */
const FASTIFY: Readonly<Record<string, HttpErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad-request',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported-media-type',
  FST_ERR_VALIDATION: 'bad-request',
  FST_ERR_BAD_URL: 'bad-request',
  FST_ERR_ASYNC_CONSTRAINT: 'bad-request',
  FST_ERR_NOT_FOUND: 'no-route',
};

export interface ErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfter?: number;
}

/** How an error is answered. */
export function toAnswer(err: unknown): ErrorAnswer {
  const named = classify(err);
  if (named) {
    const map = STATUS[`${named.cls}:${named.code}`] ?? STATUS[`${named.cls}:*`];
    if (map) {
      const retryAfter =
        err instanceof HttpError && err.retryAfter !== undefined ? err.retryAfter : map.retryAfter;
      const message = map.status >= 500 && map.status !== 503 ? 'internal error' : named.message;
      return {
        status: map.status,
        code: named.code,
        message,
        ...(retryAfter !== undefined ? { retryAfter } : {}),
      };
    }
  }
  return { status: 500, code: 'internal', message: 'internal error' };
}

function classify(err: unknown): { cls: string; code: string; message: string } | undefined {
  if (err instanceof DomainError || err instanceof LedgerError || err instanceof TlogError)
    return { cls: err.name, code: err.code, message: err.message };
  if (err instanceof StorageError || err instanceof HttpError)
    return { cls: err.name, code: err.code, message: err.message };
  const f = err as Partial<FastifyError> | undefined;
  if (f && typeof f.code === 'string' && FASTIFY[f.code]) {
    const message = f.code === 'FST_ERR_VALIDATION' ? `invalid request: ${f.message}` : (f.message ?? '');
    return { cls: 'HttpError', code: FASTIFY[f.code]!, message };
  }
  // A JSON body Fastify could not parse (its parser throws SyntaxError with statusCode 400).
  if (err instanceof SyntaxError && (err as { statusCode?: number }).statusCode === 400)
    return { cls: 'HttpError', code: 'bad-request', message: `the body is not valid JSON: ${err.message}` };
  return undefined;
}

/** Sends the JSON error answer for `err`; logs what is not the client's fault. */
export function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const a = toAnswer(err);
  if (a.status >= 500 && a.status !== 503) req.log.error({ err }, 'request failed');
  else if (a.status === 503) req.log.warn({ err }, 'request failed (retryable)');
  if (a.retryAfter !== undefined) reply.header('retry-after', String(a.retryAfter));
  if (a.status === 401) reply.header('www-authenticate', 'Bearer realm="vellum"');
  // A 404 for a tile the tree does not have yet must not be cached (RFC 9111 lets caches keep 404s).
  reply.header('cache-control', 'no-store');
  return reply
    .status(a.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: a.code, message: a.message } });
}
