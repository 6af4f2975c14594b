/**
 * Authentication and authorization of every request, before its body is
 * read: a route names the action it performs in its config (`action`), and
 * this hook
 *
 * 1. turns `Authorization: Bearer vk_<id>_<secret>` into a Principal, or
 *    answers 401 (a malformed, unknown or revoked key; no key where one is
 *    needed);
 * 2. charges the caller's rate-limit bucket (429 when empty);
 * 3. checks the action against the permission table (src/domain/access.ts)
 *    for the route's tenant and log: 403 when the key may not (its role,
 *    or another tenant's data). 403 comes before any 404, so a key learns
 *    nothing about other tenants.
 *
 * Routes without an `action` (health checks, the OpenAPI document and the
 * docs page) are open to anyone.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Action, authorize, check } from '../domain/access.js';
import { DomainError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { Services } from '../domain/services.js';
import { HttpError } from './errors.js';
import type { RateLimiter } from './rate-limit.js';
import './route-config.js';

/** The token of an `Authorization: Bearer <token>` header; undefined when there is no header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer +(\S+) *$/i.exec(header);
  if (!m) throw new DomainError('unauthenticated', 'the Authorization header must be "Bearer <API key>"');
  return m[1]!;
}

export function authHook(services: Services, limiter: RateLimiter | undefined) {
  return async function guard(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const action = req.routeOptions.config?.action;
    if (action === undefined) return;
    const charge = (caller: string) => {
      const wait = limiter?.take(caller);
      if (wait !== undefined)
        throw new HttpError('rate-limited', `too many requests; retry in ${wait} s`, wait);
    };
    let principal: Principal | undefined;
    try {
      const token = bearerToken(req.headers.authorization);
      principal = token === undefined ? undefined : await services.keys.authenticate(token);
    } catch (e) {
      charge(`ip:${req.ip}`); // failed attempts spend the address's bucket
      throw e;
    }
    req.principal = principal;
    charge(principal ? `key:${principal.keyId}` : `ip:${req.ip}`);
    const params = (req.params ?? {}) as { tenant?: string; log?: string };
    const target = {
      ...(params.tenant !== undefined ? { tenant: params.tenant } : {}),
      ...(params.log !== undefined ? { log: params.log } : {}),
      publicLog:
        req.routeOptions.config.publicRead === true &&
        params.tenant !== undefined &&
        params.log !== undefined &&
        (await services.logs.find(params.tenant, params.log))?.public === true,
    };
    const actions: readonly Action[] = typeof action === 'string' ? [action] : action;
    // Any one of the route's actions may do; the handler narrows when it has the body.
    if (actions.some((a) => check(principal, a, target) === undefined)) return;
    authorize(principal, actions[0]!, target);
  };
}
