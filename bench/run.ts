/**
 * `npm run bench`: runs the `run()` of every dist/bench/*.bench.js module,
 * in file-name order. Arguments keep only the modules whose file name
 * contains one of them (`npm run bench -- tlog`). Benchmarks print numbers
 * as aligned lines through `result`; they never assert timings.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const LABEL_WIDTH = 56;
const VALUE_WIDTH = 14;

/** Prints one result line: label, value right-aligned, then an optional note. */
export function result(label: string, value: string, note = ''): void {
  console.log(`  ${label.padEnd(LABEL_WIDTH)} ${value.padStart(VALUE_WIDTH)}${note ? `  ${note}` : ''}`);
}

/** A rate, in the largest of /s, k/s, M/s, G/s that keeps it at or above 1. */
export function rate(count: number, seconds: number, unit = ''): string {
  const r = count / seconds;
  const [div, prefix] = r >= 1e9 ? [1e9, 'G'] : r >= 1e6 ? [1e6, 'M'] : r >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${(r / div).toFixed(2)} ${prefix}${unit}/s`;
}

/** A duration in seconds, as "1.234 s" or "12.3 ms". */
export function seconds(s: number): string {
  return s >= 1 ? `${s.toFixed(3)} s` : `${(s * 1000).toFixed(1)} ms`;
}

/** Seconds since `start` (from `now()`). */
export function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function now(): bigint {
  return process.hrtime.bigint();
}

async function main(filters: string[]): Promise<void> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.js'))
    .sort()
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
  if (files.length === 0) {
    console.error(`no benchmark in ${dir} matches ${filters.join(' ') || '*.bench.js'}`);
    process.exitCode = 1;
    return;
  }
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run?: () => Promise<void> };
    console.log(`\n${file.replace(/\.bench\.js$/, '')}`);
    if (typeof mod.run !== 'function') {
      console.error(`  ${file} exports no run()`);
      process.exitCode = 1;
      continue;
    }
    await mod.run();
  }
}

// Not a top-level await: benchmark modules import this one for `result`,
// and would wait forever for it to finish evaluating.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
