import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { embeddedDrivers } from '../../src/cli/embedded.js';
import { LedgerError } from '../../src/ledger/errors.js';
import { fsck } from '../../src/ledger/fsck.js';
import { LogRegistry } from '../../src/ledger/registry.js';
import { openCheckpoint } from '../../src/tlog/checkpoint.js';
import { leafHash } from '../../src/tlog/hash.js';
import { generateKey, parseVerifierKey } from '../../src/tlog/note.js';
import { checkInclusion } from '../../src/tlog/proof.js';

function registry(data: string, maxOpen = 1000) {
  const d = embeddedDrivers(data);
  return new LogRegistry({
    catalog: d.catalog,
    lock: d.lock,
    store: d.store,
    origin: (t, l) => `vellum.test/${t}/${l}`,
    random: (n) => randomBytes(n),
    maxOpen,
  });
}

describe('log registry', () => {
  it('creates logs with their own origin and key, opens them lazily, and reopens evicted ones', async () => {
    const data = mkdtempSync(join(tmpdir(), 'vellum-reg-'));
    try {
      const reg = registry(data, 3);
      const rec = await reg.create({ tenant: 'acme', log: 'audit' });
      const own = generateKey('acme.example/records', randomBytes(32));
      await reg.create({ tenant: 'acme', log: 'records', skey: own.skey });
      for (let i = 0; i < 5; i++) await reg.create({ tenant: `t${i}`, log: 'records' });
      assert.ok(reg.openCount <= 4, `open logs ${reg.openCount}`);

      const audit = await reg.get('acme', 'audit');
      assert.equal(audit.origin, 'vellum.test/acme/audit');
      const [i0, i1] = await audit.appendMany([Buffer.from('a'), Buffer.from('b')]);
      assert.deepEqual([i0, i1], [0, 1]);
      const records = await reg.get('acme', 'records');
      assert.equal(records.origin, 'acme.example/records');
      await records.append(Buffer.from('r'));
      const head = (await records.published(0)).note;
      openCheckpoint(head, [parseVerifierKey(own.vkey)], 'acme.example/records');

      // Touch other logs so acme/audit is evicted, then reopen it from disk.
      for (let i = 0; i < 5; i++) await (await reg.get(`t${i}`, 'records')).append(Buffer.from(`x${i}`));
      const again = await reg.get('acme', 'audit');
      assert.equal(again.head().size, 2);
      const proof = await again.proveInclusion(1);
      checkInclusion(proof, 2, again.head().root, 1, leafHash(Buffer.from('b')));
      assert.ok(rec.skey.startsWith('PRIVATE+KEY+vellum.test/acme/audit+'));
      assert.equal(readFileSync(join(data, 'ledger/acme/audit/signer.key')).length > 0, true);

      await assert.rejects(
        reg.create({ tenant: 'acme', log: 'audit' }),
        (e: unknown) => e instanceof LedgerError && e.code === 'log-exists',
      );
      await assert.rejects(
        reg.get('acme', 'nope'),
        (e: unknown) => e instanceof LedgerError && e.code === 'unknown-log',
      );
      await assert.rejects(
        async () => reg.get('Acme', '../x'),
        (e: unknown) => e instanceof LedgerError && e.code === 'bad-request',
      );
      await assert.rejects(
        reg.create({ tenant: 'acme', log: 'bad', skey: 'not a key' }),
        (e: unknown) => e instanceof LedgerError && e.code === 'bad-request',
      );
      await reg.close();

      const clean = await fsck(embeddedDrivers(data));
      assert.deepEqual(clean.findings, []);
      assert.equal(clean.logs.length, 7);
      assert.deepEqual(
        clean.logs.find((l) => l.log === 'acme/audit'),
        { log: 'acme/audit', size: 2 },
      );

      // Damage: a tampered entry, and an orphaned staging object. fsck names both and changes nothing.
      const bundle = join(data, 'logs/acme/audit/tile/entries/000.p/2');
      chmodSync(bundle, 0o644);
      const bytes = readFileSync(bundle);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
      writeFileSync(bundle, bytes);
      writeFileSync(join(data, 'logs/t0/records/staging/9-00'), 'x');
      const dirty = await fsck(embeddedDrivers(data));
      assert.deepEqual(
        dirty.findings.map((f) => `${f.log} ${f.item}`),
        ['acme/audit entry 1', 't0/records staging/9-00'],
      );
      assert.deepEqual(readFileSync(bundle), bytes);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
