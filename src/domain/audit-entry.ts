/**
 * The shape every platform-written audit entry shares (artifact events,
 * admin actions): canonical JSON (RFC 8785) of the body with `type`, the
 * schema version `v`, `time` (ISO 8601 UTC) and `actor`, which override
 * any body member of the same name.
 */
import { canonicalBytes } from './canonical-json.js';

export function encodeAuditEntry(
  type: string,
  version: number,
  actor: string,
  time: number,
  body: object,
): Uint8Array {
  return canonicalBytes({ ...body, type, v: version, time: new Date(time).toISOString(), actor });
}
