#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's test runner and
// ends with one plain summary line: "N passed, N failed, N skipped".
// Usage: node scripts/run-tests.mjs [filter substring]...
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('dist/test').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files found under dist/test (run npm run build first)');
  process.exit(1);
}
mkdirSync('.cache', { recursive: true });
const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    '--test-reporter-destination=.cache/last-test.tap',
    '--test-concurrency=2',
    ...files,
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
child.on('exit', (code) => {
  let tap = '';
  try {
    tap = readFileSync('.cache/last-test.tap', 'utf8');
  } catch {}
  const count = (k) => [...tap.matchAll(new RegExp(`^# ${k} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? '0';
  console.log(`${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
  process.exit(code ?? 1);
});
