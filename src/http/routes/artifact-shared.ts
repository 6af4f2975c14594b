/** What the artifact route modules share: the service, the actor, parameter schemas, the declared length. */
import type { FastifyRequest } from 'fastify';
import type { Artifacts } from '../../domain/artifacts/index.js';
import { DomainError } from '../../domain/errors.js';
import type { RouteContext } from '../context.js';
import { NAME } from '../schemas.js';

export const ID = { type: 'string', minLength: 1, maxLength: 64 } as const;
export const TAGS = ['artifacts'];
export const FILE_PARAMS = {
  type: 'object',
  required: ['tenant', 'fileId'],
  properties: { tenant: NAME, fileId: ID },
  additionalProperties: false,
} as const;

export function artifactsOf(ctx: RouteContext): Artifacts {
  const a = ctx.services.artifacts;
  if (!a)
    throw new DomainError('unavailable', 'this deployment has no artifact store (no blob store configured)');
  return a;
}

/** The acting key's id. */
export const actor = (req: FastifyRequest) => req.principal!.keyId;

/** The body's declared length (Content-Length without chunked encoding), when it is a canonical decimal. */
export function declaredLength(req: FastifyRequest): number | undefined {
  const h = req.headers['content-length'];
  return typeof h === 'string' &&
    req.headers['transfer-encoding'] === undefined &&
    /^(0|[1-9][0-9]{0,15})$/.test(h)
    ? Number(h)
    : undefined;
}
