/**
 * The OpenAPI 3.1 document, made by @fastify/swagger from the routes' JSON
 * schemas, served at /openapi.json, with a docs page at /docs
 * (@fastify/swagger-ui). MUST be registered before the routes.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vellum',
        version,
        description:
          'Multi-tenant, tamper-evident evidence store on C2SP transparency logs. ' +
          'Authenticate with `Authorization: Bearer vk_<id>_<secret>`. Errors are `{"error": {"code", "message"}}`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'tenants', description: 'Tenants (platform-admin)' },
        { name: 'keys', description: 'API keys of a tenant' },
        { name: 'logs', description: "A tenant's logs" },
        { name: 'entries', description: 'Append and read entries, proofs and receipts' },
        { name: 'tlog-tiles', description: 'The log as C2SP tlog-tiles (for auditors and stock tools)' },
        { name: 'operations', description: 'Health and metrics' },
      ],
    },
    transform: ({ schema, url, route }) => {
      // Binary bodies are parsed to Buffers and not validated by Fastify; document them here.
      const binary = route.config?.binaryBody;
      const body = (schema as { body?: { content?: Record<string, unknown> } } | undefined)?.body;
      if (!binary || !body?.content) return { schema, url };
      const content = { ...body.content };
      for (const type of binary) content[type] = { schema: { type: 'string', format: 'binary' } };
      return { schema: { ...schema, body: { ...body, content } } as typeof schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
