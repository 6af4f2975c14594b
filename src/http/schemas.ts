/**
 * JSON schemas shared by the routes: they validate requests (Fastify,
 * with additional properties refused and no type coercion) and make the
 * OpenAPI document (src/http/openapi.ts).
 */

/** Tenant and log names (src/storage/log-catalog.ts isValidName). */
export const NAME = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', maxLength: 63 } as const;

/** A canonical decimal index or size; parsed by `parseIndex`. */
export const DECIMAL = { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$', maxLength: 16 } as const;

export const TENANT_PARAMS = {
  type: 'object',
  required: ['tenant'],
  properties: { tenant: NAME },
  additionalProperties: false,
} as const;

export const LOG_PARAMS = {
  type: 'object',
  required: ['tenant', 'log'],
  properties: { tenant: NAME, log: NAME },
  additionalProperties: false,
} as const;

export const ERROR = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'A stable code, e.g. out-of-range, forbidden, pool-full' },
        message: { type: 'string' },
      },
    },
  },
} as const;

/** Error answers, for the OpenAPI document. */
export const ERRORS = {
  '4xx': { description: 'The request is wrong or not allowed', $ref: 'Error#' },
  '5xx': { description: 'Retry later (503 carries Retry-After)', $ref: 'Error#' },
} as const;

export const LOG_INFO = {
  type: 'object',
  required: ['tenant', 'log', 'origin', 'vkey', 'public', 'dedup', 'removePartials'],
  properties: {
    tenant: { type: 'string' },
    log: { type: 'string' },
    origin: { type: 'string', description: 'Checkpoint origin (the signer key name)' },
    vkey: { type: 'string', description: 'Verifier key, Go note encoding (name+hash+base64)' },
    public: { type: 'boolean', description: 'Tiles and checkpoint are readable without a key' },
    dedup: { type: 'boolean' },
    removePartials: { type: 'boolean' },
  },
} as const;

export const KEY_INFO = {
  type: 'object',
  required: ['id', 'tenant', 'role', 'name', 'createdAt', 'revokedAt'],
  properties: {
    id: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    role: { type: 'string' },
    name: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const BEARER = [{ bearer: [] }];
