/**
 * `vellum fsck` on a server's data directory: finds the logs through the
 * server's database, audits each one, names what was tampered with, and
 * changes nothing.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ImmutableLogger, VellumClient } from '../../src/client/index.js';
import { vellum } from '../helpers/cli.js';
import { startServer } from '../helpers/server.js';

describe('vellum fsck on a served data directory', () => {
  it('finds every log, says clean, then names a tampered entry and changes nothing', async () => {
    const data = mkdtempSync(join(tmpdir(), 'vellum-fsck-'));
    try {
      const token = `vk_${'0123456789abcdef'}_${'A'.repeat(43)}`;
      const server = await startServer(data, { VELLUM_ADMIN_TOKEN: token });
      try {
        const admin = new VellumClient({ url: server.url, token });
        await admin.createTenant('acme');
        const key = await admin.createKey('acme', 'tenant-admin', 'ops');
        const logger = new ImmutableLogger({ url: server.url, token: key.token, log: 'acme' });
        for (let i = 0; i < 300; i++) void logger.info(`event ${i}`, { i });
        await logger.flush();
      } finally {
        assert.equal(await server.stop(), 0);
      }

      const clean = await vellum(['fsck', data]);
      assert.equal(clean.code, 0, clean.stdout + clean.stderr);
      assert.match(clean.stdout, /^ok {3}acme\/records size=300$/m);
      assert.match(clean.stdout, /^ok {3}acme\/reads size=\d+$/m);
      assert.match(clean.stdout, /4 logs clean, 0 problems/);

      const bundle = join(data, 'logs/acme/records/tile/entries/000');
      chmodSync(bundle, 0o644);
      const bytes = readFileSync(bundle);
      const at = bytes.indexOf('event 7"');
      bytes[at + 6] = '8'.charCodeAt(0);
      writeFileSync(bundle, bytes);
      const dirty = await vellum(['fsck', data]);
      assert.equal(dirty.code, 1);
      assert.match(dirty.stdout, /^FAIL acme\/records entry 7: /m);
      assert.deepEqual(readFileSync(bundle), bytes, 'fsck changed nothing');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
