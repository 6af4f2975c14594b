/**
 * Liveness and readiness (open, for load balancers and orchestrators), and
 * the Prometheus scrape (platform-admin: metrics name tenants and logs).
 *
 * - /healthz: the process serves HTTP.
 * - /readyz: every readiness check passes (the metadata store answers; the
 *   log storage answers); 503 naming the failed checks otherwise.
 */
import type { RouteGroup } from '../context.js';
import { BEARER } from '../schemas.js';

/** A readiness check: resolves when healthy, rejects with the reason otherwise. */
export type ReadyCheck = () => Promise<void>;

const STATUS = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

export function healthRoutes(checks: Readonly<Record<string, ReadyCheck>>): RouteGroup {
  return (app, { metrics }) => {
    app.get(
      '/healthz',
      { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: STATUS } } },
      async () => ({ status: 'ok' }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['operations'],
          summary: 'Readiness: metadata and storage answer',
          response: { 200: STATUS, 503: STATUS },
        },
      },
      async (_req, reply) => {
        const results: Record<string, string> = {};
        await Promise.all(
          Object.entries(checks).map(async ([name, check]) => {
            try {
              await withTimeout(check(), 5000);
              results[name] = 'ok';
            } catch (e) {
              results[name] = `failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300);
            }
          }),
        );
        const ok = Object.values(results).every((r) => r === 'ok');
        return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: results });
      },
    );

    app.get(
      '/metrics',
      {
        config: { action: 'metrics:read' },
        schema: { tags: ['operations'], summary: 'Prometheus metrics (platform-admin)', security: BEARER },
      },
      async (_req, reply) => {
        const { contentType, body } = await metrics.scrape();
        return reply.type(contentType).send(body);
      },
    );
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
