/**
 * The command line `npm start` runs, so that benchmarks measure the server
 * as a user starts it: the Node flags of package.json's `start` script
 * (between `node` and the script) followed by the CLI's entry point.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../../', import.meta.url);
const main = fileURLToPath(new URL('dist/src/cli/main.js', root));

/** Node's arguments for `vellum serve <args>`, started the way `npm start` starts it. */
export function serveArgs(args: string[]): string[] {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const script = words.indexOf('dist/src/cli/main.js');
  if (words[0] !== 'node' || script < 0 || words[script + 1] !== 'serve')
    throw new Error(
      `package.json start script is not "node [flags] dist/src/cli/main.js serve": ${pkg.scripts.start}`,
    );
  return [...words.slice(1, script), main, 'serve', ...args];
}
