/** Timestamps as the API shows them. */

/** Milliseconds since the epoch (what the metadata store keeps) as ISO 8601 UTC. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
