/**
 * The HTTP API as a Fastify instance (not listening: `vellum serve`
 * listens, tests use `inject`). Every route is scoped by tenant, declares
 * the action it performs (src/http/route-config.ts), and is checked by one
 * hook (src/http/auth.ts) before its body is read. Errors of every layer
 * are answered from one table (src/http/errors.ts).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Services } from '../domain/services.js';
import { authHook } from './auth.js';
import { DEFAULT_LIMITS, type Limits, type RouteContext } from './context.js';
import { mediaType } from './entry-body.js';
import { HttpError, sendError } from './errors.js';
import { GzipCache } from './gzip-cache.js';
import { Metrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { artifactPlugin } from './routes/artifacts.js';
import { entryRoutes } from './routes/entries.js';
import { healthRoutes, type ReadyCheck } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { logRoutes } from './routes/logs.js';
import { recordRoutes } from './routes/records.js';
import { tenantRoutes } from './routes/tenants.js';
import { tileRoutes } from './routes/tiles.js';
import { closeUnreadBody, LINGER_MS } from './unread-body.js';
import './route-config.js';

export interface AppOptions {
  readonly services: Services;
  /** Shared with the registry's onRound (default: a new registry of metrics). */
  readonly metrics?: Metrics;
  readonly limits?: Partial<Limits>;
  /** Token bucket per key (or per address for anonymous calls); false turns it off. */
  readonly rateLimit?: RateLimitOptions | false;
  /** Readiness checks for /readyz, by name. */
  readonly checks?: Readonly<Record<string, ReadyCheck>>;
  /** Fastify's (pino) logger options; off by default. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Trust X-Forwarded-For from proxies (Fastify's trustProxy); off by default. */
  readonly trustProxy?: FastifyServerOptions['trustProxy'];
  /** Bytes of gzipped entry bundles kept in memory (default 64 MiB). */
  readonly gzipCacheBytes?: number;
  /** The API version in the OpenAPI document. */
  readonly version?: string;
  /** How long a body left unread by the answer is still read before its connection is closed (default 2 s). */
  readonly unreadBodyLingerMs?: number;
}

export async function buildApp(o: AppOptions): Promise<FastifyInstance> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...o.limits };
  const metrics = o.metrics ?? new Metrics({ processMetrics: false });
  const linger = o.unreadBodyLingerMs ?? LINGER_MS;
  const app = Fastify({
    logger: o.logger ?? false,
    trustProxy: o.trustProxy ?? false,
    bodyLimit: limits.adminBodyBytes,
    // Exact matching: no coercion, no silently dropped properties, no defaults filled in.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    frameworkErrors: (err, req, reply) => {
      sendError(err, req, reply);
    },
  });

  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    ['application/octet-stream', 'application/vnd.vellum.entry-bundle'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );
  app.setErrorHandler((err, req, reply) => sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) =>
    sendError(new HttpError('no-route', `no route ${req.method} ${req.url.slice(0, 200)}`), req, reply),
  );

  const limiter = o.rateLimit === false ? undefined : new RateLimiter(o.rateLimit ?? {});
  app.addHook('onRequest', authHook(o.services, limiter));
  app.addHook('preValidation', async (req) => {
    if (!Buffer.isBuffer(req.body)) return;
    const type = mediaType(req.headers['content-type']);
    if (!(req.routeOptions.config?.binaryBody ?? []).includes(type))
      throw new HttpError(
        'unsupported-media-type',
        `this route does not take ${type}; send application/json`,
      );
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpSeconds.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    closeUnreadBody(req.raw, linger);
  });

  await registerOpenApi(app, o.version ?? '0.1.0');
  app.addSchema({
    $id: 'Error',
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  });

  const ctx: RouteContext = {
    services: o.services,
    metrics,
    limits,
    gzip: new GzipCache(o.gzipCacheBytes),
  };
  for (const group of [
    healthRoutes(o.checks ?? {}),
    tenantRoutes,
    keyRoutes,
    logRoutes,
    entryRoutes,
    tileRoutes,
    recordRoutes,
  ]) {
    group(app, ctx);
  }
  await artifactPlugin(app, ctx);
  return app;
}
