/**
 * A tenant's logs: create (tenant-admin; optionally with the tenant's own
 * signer key, optionally public), list, and describe one (origin, verifier
 * key, options, published size).
 */
import type { RouteGroup } from '../context.js';
import { recordRead } from '../read-events.js';
import { BEARER, ERRORS, LOG_INFO, LOG_PARAMS, NAME, TENANT_PARAMS } from '../schemas.js';

export const logRoutes: RouteGroup = (app, { services, limits }) => {
  app.post(
    '/v1/logs/:tenant',
    {
      config: { action: 'logs:create' },
      bodyLimit: limits.adminBodyBytes,
      schema: {
        tags: ['logs'],
        summary: 'Create a log',
        security: BEARER,
        params: TENANT_PARAMS,
        body: {
          type: 'object',
          required: ['name'],
          properties: {
            name: NAME,
            public: {
              type: 'boolean',
              description: 'Tiles and checkpoint readable without a key (default false)',
            },
            dedup: {
              type: 'boolean',
              description: 'An entry identical to an earlier one gets its index (default false)',
            },
            removePartials: {
              type: 'boolean',
              description: 'Delete partial tiles once full (default false)',
            },
            skey: {
              type: 'string',
              maxLength: 1000,
              description:
                'Your own Ed25519 signer key (PRIVATE+KEY+<origin>+<id>+<base64>); its name is the origin',
            },
          },
          additionalProperties: false,
        },
        response: { 201: LOG_INFO, ...ERRORS },
      },
    },
    async (req, reply) => {
      const { tenant } = req.params as { tenant: string };
      const body = req.body as {
        name: string;
        public?: boolean;
        dedup?: boolean;
        removePartials?: boolean;
        skey?: string;
      };
      return reply.status(201).send(await services.logs.create(tenant, body, req.principal!.keyId));
    },
  );

  app.get(
    '/v1/logs/:tenant',
    {
      config: { action: 'logs:list' },
      schema: {
        tags: ['logs'],
        summary: "List a tenant's logs",
        security: BEARER,
        params: TENANT_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['logs'],
            properties: { logs: { type: 'array', items: LOG_INFO } },
          },
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { tenant } = req.params as { tenant: string };
      const logs = await services.logs.list(tenant);
      await recordRead(services, req, null);
      return { logs };
    },
  );

  app.get(
    '/v1/logs/:tenant/:log',
    {
      config: { action: 'logs:list' },
      schema: {
        tags: ['logs'],
        summary: 'Describe a log: origin, verifier key, options, published size',
        security: BEARER,
        params: LOG_PARAMS,
        response: {
          200: {
            type: 'object',
            required: [...LOG_INFO.required, 'size'],
            properties: {
              ...LOG_INFO.properties,
              size: { type: 'integer', description: 'Published tree size' },
            },
          },
          ...ERRORS,
        },
      },
    },
    async (req) => {
      const { tenant, log } = req.params as { tenant: string; log: string };
      const info = await services.logs.info(tenant, log);
      const size = (await services.registry.get(tenant, log)).head().size;
      await recordRead(services, req, log);
      return { ...info, size };
    },
  );
};
