/**
 * Finds the Go reference tools (tlog-audit, mklog) built from
 * ../shared/tools/tlog-audit by scripts/reference-tools.sh. Tests that need
 * them skip with a visible message when they are missing, unless
 * VELLUM_REQUIRE_REFERENCE=1 (as in .ci/run), where missing tools fail.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export function requireReference(): boolean {
  return process.env.VELLUM_REQUIRE_REFERENCE === '1';
}

/** The path of a reference tool, or undefined when it is not built. */
export function referenceTool(name: 'tlog-audit' | 'mklog'): string | undefined {
  const dirs = [process.env.TLOG_TOOLS, join(repoRoot, '.cache/tlog-tools'), '/tmp/tlog-tools'];
  for (const d of dirs) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

/**
 * Returns the tool path, or skips the test (visibly) when it is missing;
 * throws instead when the reference tools are required.
 */
export function toolOrSkip(
  t: { skip(message?: string): void },
  name: 'tlog-audit' | 'mklog',
): string | undefined {
  const p = referenceTool(name);
  if (p) return p;
  const msg = `${name} not built: run scripts/reference-tools.sh (needs ../shared/tools/tlog-audit)`;
  if (requireReference()) throw new Error(msg);
  console.log(`# SKIP ${msg}`);
  t.skip(msg);
  return undefined;
}
