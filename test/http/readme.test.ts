/**
 * The README's server walk-through, run as a user would paste it: against
 * `vellum serve` on a free port, with bash and curl.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeRun, run, vellumMain } from '../helpers/cli.js';
import { repoRoot } from '../helpers/reference-tools.js';

const MARKER = '<!-- README-SERVER-SNIPPET';

/** The sh block after the marker comment. */
function snippet(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(MARKER);
  assert.ok(at >= 0, 'README has the server snippet marker');
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, 'a sh block follows the marker');
  return m[1]!;
}

describe('README', () => {
  it('the server walk-through works as written', async (t) => {
    for (const tool of ['bash', 'curl']) {
      if (spawnSync(tool, ['--version']).status !== 0) return t.skip(`${tool} is not installed`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'vellum-readme-'));
    const server = spawn(
      process.execPath,
      [vellumMain, 'serve', '--data', join(dir, 'data'), '--port', '0'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, VELLUM_LOG_LEVEL: 'warn' },
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Vellum listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const script = snippet()
        .replace('VELLUM=http://127.0.0.1:8080', `VELLUM=${url}`)
        .replaceAll('npx vellum ', `'${process.execPath}' '${vellumMain}' `);
      assert.ok(script.includes(url));
      const r = await run('bash', ['-euo', 'pipefail', '-c', `cd '${dir}'\n${script}`]);
      assert.equal(r.code, 0, describeRun('README snippet', r));
      // The checkpoint the published append waited for, then the receipt of entry 0 against size 2.
      assert.match(r.stdout, /^127\.0\.0\.1:\d+\/logs\/acme\/events\n1\n/m);
      assert.match(r.stdout, /c2sp\.org\/tlog-proof@v1\nindex 0\n/);
      assert.match(r.stdout, /^OK origin=127\.0\.0\.1:\d+\/logs\/acme\/events size=2 /m);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.on('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
