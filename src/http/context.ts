/** What every route group is built with. */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../domain/services.js';
import type { GzipCache } from './gzip-cache.js';
import type { Metrics } from './metrics.js';

/** Size limits of requests and answers. */
export interface Limits {
  /** Body limit of the JSON admin routes (tenants, keys, logs), bytes (default 16 KiB). */
  readonly adminBodyBytes: number;
  /** Body limit of an append request, bytes (default 8 MiB). */
  readonly appendBodyBytes: number;
  /** Most entries in one append request (default 10000). */
  readonly appendEntries: number;
  /** Most entries in one page of GET .../entries (default 1000). */
  readonly pageEntries: number;
}

export const DEFAULT_LIMITS: Limits = {
  adminBodyBytes: 16 * 1024,
  appendBodyBytes: 8 * 1024 * 1024,
  appendEntries: 10_000,
  pageEntries: 1000,
};

export interface RouteContext {
  readonly services: Services;
  readonly metrics: Metrics;
  readonly limits: Limits;
  readonly gzip: GzipCache;
}

/** A route group: registers its routes on the app. */
export type RouteGroup = (app: FastifyInstance, ctx: RouteContext) => void;
