/** Directory trees read back in tests. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a directory tree into a map of slash-separated relative paths to bytes. */
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

/** The paths of every file under `dir` (none when it does not exist), sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true }))
      e.isDirectory() ? walk(join(d, e.name)) : out.push(join(d, e.name));
  };
  walk(dir);
  return out.sort();
}
