/** Reads a directory tree into a map of slash-separated relative paths to bytes. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function readTree(dir: string, prefix = ''): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(p).isDirectory()) for (const [k, v] of readTree(p, rel)) out.set(k, v);
    else out.set(rel, new Uint8Array(readFileSync(p)));
  }
  return out;
}
