/**
 * API keys of a tenant. A tenant-admin makes keys of any tenant role in
 * its tenant, lists and revokes them; a platform-admin makes tenant-admin
 * keys (how a new tenant gets its first key) and nothing else. The token
 * is in the creation answer only.
 */
import { authorize } from '../../domain/access.js';
import { TENANT_ROLES } from '../../domain/principal.js';
import type { RouteGroup } from '../context.js';
import { recordRead } from '../read-events.js';
import { BEARER, ERRORS, KEY_INFO, NAME, TENANT_PARAMS } from '../schemas.js';

const KEY_PARAMS = {
  type: 'object',
  required: ['tenant', 'id'],
  properties: { tenant: NAME, id: { type: 'string', pattern: '^[0-9a-f]{16}$' } },
  additionalProperties: false,
} as const;

export const keyRoutes: RouteGroup = (app, { services, limits }) => {
  app.post(
    '/v1/tenants/:tenant/keys',
    {
      config: { action: ['keys:create', 'keys:create-tenant-admin'] },
      bodyLimit: limits.adminBodyBytes,
      schema: {
        tags: ['keys'],
        summary: 'Create an API key; the answer holds its token, shown only this once',
        security: BEARER,
        params: TENANT_PARAMS,
        body: {
          type: 'object',
          required: ['role', 'name'],
          properties: {
            role: { type: 'string', enum: [...TENANT_ROLES] },
            name: { type: 'string', minLength: 1, maxLength: 100 },
          },
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            required: [...KEY_INFO.required, 'token'],
            properties: {
              ...KEY_INFO.properties,
              token: {
                type: 'string',
                description: 'vk_<id>_<secret>: send as Authorization: Bearer <token>',
              },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req, reply) => {
      const { tenant } = req.params as { tenant: string };
      const { role, name } = req.body as { role: string; name: string };
      // The hook let either action through; the body says which one this is.
      authorize(
        req.principal,
        role === 'tenant-admin' && req.principal?.role === 'platform-admin'
          ? 'keys:create-tenant-admin'
          : 'keys:create',
        { tenant },
      );
      return reply.status(201).send(await services.keys.create(tenant, role, name, req.principal!.keyId));
    },
  );

  app.get(
    '/v1/tenants/:tenant/keys',
    {
      config: { action: 'keys:list' },
      schema: {
        tags: ['keys'],
        summary: "List a tenant's keys (never their secrets)",
        security: BEARER,
        params: TENANT_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['keys'],
            properties: { keys: { type: 'array', items: KEY_INFO } },
          },
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { tenant } = req.params as { tenant: string };
      const keys = await services.keys.list(tenant);
      await recordRead(services, req, null);
      return { keys };
    },
  );

  app.delete(
    '/v1/tenants/:tenant/keys/:id',
    {
      config: { action: 'keys:revoke' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke a key (it stops working at once; revoking again is fine)',
        security: BEARER,
        params: KEY_PARAMS,
        response: { 200: KEY_INFO, ...ERRORS },
      },
    },
    async (req) => {
      const { tenant, id } = req.params as { tenant: string; id: string };
      return services.keys.revoke(tenant, id, req.principal!.keyId);
    },
  );
};
