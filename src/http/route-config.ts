/** What a route declares about itself in its Fastify `config`, and what hooks add to a request. */
import type { Action } from '../domain/access.js';
import type { Principal } from '../domain/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; undefined for anonymous requests. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** What the route does (src/domain/access.ts); any one of several when the handler narrows it. */
    action?: Action | readonly Action[];
    /** Anyone may call it on a public log (tiles and checkpoint). */
    publicRead?: boolean;
    /** Binary media types the route takes as a raw body (others are JSON). */
    binaryBody?: readonly string[];
  }
}
