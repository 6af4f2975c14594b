/** Runs the README's SDK snippet, as a user would paste it, against a real server. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { VellumClient } from '../../src/client/index.js';
import { repoRoot } from '../helpers/reference-tools.js';
import { startServer } from '../helpers/server.js';

function snippet(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const m = /<!-- README-SDK-SNIPPET[^>]*-->\n```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'the README has the SDK snippet');
  return m[1]!;
}

describe('the README SDK snippet', () => {
  it('runs as written and prints what its comments say', async () => {
    const data = mkdtempSync(join(tmpdir(), 'vellum-readme-sdk-'));
    const token = `vk_${'fedcba9876543210'}_${'C'.repeat(43)}`;
    const server = await startServer(data, { VELLUM_ADMIN_TOKEN: token, VELLUM_LOG_LEVEL: 'warn' });
    try {
      const platform = new VellumClient({ url: server.url, token });
      await platform.createTenant('acme');
      const admin = await platform.createKey('acme', 'tenant-admin', 'readme');
      // Inside the package, so that `vellum/client` resolves to this checkout (package self-reference).
      const dir = join(repoRoot, '.cache');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `readme-sdk-${process.pid}.mjs`);
      writeFileSync(file, snippet());
      try {
        const { stdout } = await promisify(execFile)(process.execPath, [file], {
          env: { ...process.env, VELLUM_URL: server.url, VELLUM_TOKEN: admin.token },
        });
        assert.deepEqual(stdout.trim().split('\n'), [
          'Failed login attempt',
          '{ AUDIT: 1, SECURITY: 1 }',
          'true',
        ]);
      } finally {
        rmSync(file, { force: true });
      }
    } finally {
      await server.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
