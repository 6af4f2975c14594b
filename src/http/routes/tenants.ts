/**
 * Tenants (platform-admin): POST /v1/tenants creates a tenant and its
 * logs (records, audit, reads, operations); GET /v1/tenants lists them.
 */
import type { RouteGroup } from '../context.js';
import { BEARER, ERRORS, LOG_INFO, NAME } from '../schemas.js';

const TENANT = {
  type: 'object',
  required: ['name', 'createdAt'],
  properties: { name: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } },
} as const;

export const tenantRoutes: RouteGroup = (app, { services, limits }) => {
  app.post(
    '/v1/tenants',
    {
      config: { action: 'tenants:create' },
      bodyLimit: limits.adminBodyBytes,
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant and its logs (records, audit, reads, operations)',
        security: BEARER,
        body: { type: 'object', required: ['name'], properties: { name: NAME }, additionalProperties: false },
        response: {
          201: {
            type: 'object',
            required: ['name', 'createdAt', 'logs'],
            properties: { ...TENANT.properties, logs: { type: 'array', items: LOG_INFO } },
          },
          ...ERRORS,
        },
      },
    },
    async (req, reply) => {
      const { name } = req.body as { name: string };
      return reply.status(201).send(await services.tenants.create(name, req.principal!.keyId));
    },
  );

  app.get(
    '/v1/tenants',
    {
      config: { action: 'tenants:list' },
      schema: {
        tags: ['tenants'],
        summary: 'List tenants',
        security: BEARER,
        response: {
          200: {
            type: 'object',
            required: ['tenants'],
            properties: { tenants: { type: 'array', items: TENANT } },
          },
          ...ERRORS,
        },
      },
    },
    async () => ({ tenants: await services.tenants.list() }),
  );
};
