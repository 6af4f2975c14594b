/**
 * Records a read of tenant data in the tenant's `reads` log
 * (src/domain/reads.ts) on behalf of a route. Handlers call it after they
 * have the data and before they send it: a read that cannot be recorded
 * fails with 503 and sends nothing.
 */
import type { FastifyRequest } from 'fastify';
import { ReadLedger, type ReadTarget } from '../domain/reads.js';
import type { Services } from '../domain/services.js';

export async function recordRead(
  services: Services,
  req: FastifyRequest,
  log: string | null,
  params: ReadTarget['params'] = {},
): Promise<void> {
  const tenant = (req.params as { tenant: string }).tenant;
  if (!ReadLedger.recorded(req.principal, tenant)) return;
  await services.reads.record(
    req.principal,
    { route: `${req.method} ${req.routeOptions.url}`, tenant, log, params },
    req.ip,
  );
}
