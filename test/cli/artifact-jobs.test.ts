/** The artifact jobs `vellum serve` runs: retention (sweep + deletion) and scrub, over every tenant. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startArtifactJobs } from '../../src/cli/artifact-jobs.js';
import { makeTenant, openStack, type Stack } from '../helpers/http.js';

describe('artifact jobs', () => {
  let s: Stack;
  before(async () => {
    s = await openStack({ artifacts: { retention: { transient: { seconds: 1 } }, uploadTtlSeconds: 1 } });
    await makeTenant(s, 'acme', 0);
  });
  after(async () => {
    await s?.close();
  });

  it('deletes expired packages, keeps held ones, scrubs, and logs what it did', async () => {
    const a = s.services.artifacts!;
    const make = async (path: string, body: string) => {
      const p = (
        await a.packages.create('acme', 'test', {
          name: 'n',
          producer: 'p',
          subject: 's',
          retentionClass: 'transient',
        })
      ).package.id;
      await a.files.add('acme', 'test', p, { path, body: Readable.from([Buffer.from(body)]) });
      await a.packages.finalize('acme', 'test', p);
      return p;
    };
    const gone = await make('a.txt', 'expires');
    const held = await make('b.txt', 'held');
    await a.holds.apply('acme', 'test', held, { caseId: 'c', reason: 'r' });
    // An upload left half done: it expires, and its staged part goes.
    const open = (
      await a.packages.create('acme', 'test', {
        name: 'n',
        producer: 'p',
        subject: 's',
        retentionClass: 'raw-evidence',
      })
    ).package.id;
    const up = await a.uploads.start('acme', 'test', open, { path: 'x', size: 10, sha256: '0'.repeat(64) });
    await a.uploads.put('acme', up.id, { offset: 0, body: Readable.from([Buffer.from('01234')]) });
    assert.equal((await s.metadata.artifacts!.uploads.parts('acme', up.id)).length, 1);
    await new Promise((r) => setTimeout(r, 1100));

    const lines: string[] = [];
    const log = {
      info: (_o: object, m: string) => lines.push(`info ${m}`),
      warn: (_o: object, m: string) => lines.push(`warn ${m}`),
      error: (_o: object, m: string) => lines.push(`error ${m}`),
    };
    const jobs = startArtifactJobs({
      artifacts: a,
      tenants: async () => ['acme'],
      retentionMs: 0,
      scrubMs: 0,
      log,
    });
    await jobs.retention();
    await jobs.scrub();
    await jobs.stop();
    assert.equal((await a.packages.get('acme', gone)).status, 'deleted', lines.join('\n'));
    assert.equal((await a.uploads.status('acme', up.id)).state, 'expired');
    assert.deepEqual(await s.metadata.artifacts!.uploads.parts('acme', up.id), []);
    assert.ok(
      lines.some((l) => /^info artifact uploads: acme: 1 expired, 1 parts deleted/.test(l)),
      lines.join('\n'),
    );
    assert.notEqual((await a.packages.get('acme', held)).status, 'deleted');
    assert.ok(
      lines.some((l) => /^info artifact retention: acme: .*1 packages deleted/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^info artifact scrub: acme: 1\/1 blobs ok/.test(l)),
      lines.join('\n'),
    );
    assert.ok(!lines.some((l) => l.startsWith('error')), lines.join('\n'));
  });

  it('keeps going when a tenant fails: logs that tenant, and still does the others', async () => {
    const a = s.services.artifacts!;
    await makeTenant(s, 'broken', 0);
    const expired = async (tenant: string) => {
      const p = (
        await a.packages.create(tenant, 'test', {
          name: 'n',
          producer: 'p',
          subject: 's',
          retentionClass: 'transient',
        })
      ).package.id;
      await a.files.add(tenant, 'test', p, { path: 'x.txt', body: Readable.from([Buffer.from(tenant)]) });
      await a.packages.finalize(tenant, 'test', p);
      return p;
    };
    const broken = await expired('broken');
    const fine = await expired('acme');
    await new Promise((r) => setTimeout(r, 1100));
    // The broken tenant's audit log cannot be written: its sweep cannot record
    // `deletion-eligible`, so its retention run throws.
    s.faults.add('broken/audit');
    const lines: string[] = [];
    const errors: { tenant?: string }[] = [];
    const jobs = startArtifactJobs({
      artifacts: a,
      // The failing tenant first: the one after it must still be done.
      tenants: async () => ['broken', 'acme'],
      retentionMs: 0,
      scrubMs: 0,
      log: {
        info: (_o, m) => lines.push(`info ${m}`),
        warn: (_o, m) => lines.push(`warn ${m}`),
        error: (o, m) => {
          errors.push(o as { tenant?: string });
          lines.push(`error ${m}`);
        },
      },
    });
    try {
      await jobs.retention();
    } finally {
      await jobs.stop();
      s.faults.delete('broken/audit');
    }
    assert.deepEqual(
      lines.filter((l) => l.startsWith('error')),
      ['error artifact retention failed for tenant broken'],
      lines.join('\n'),
    );
    assert.equal(errors[0]?.tenant, 'broken');
    assert.notEqual((await a.packages.get('broken', broken)).status, 'deleted');
    assert.equal((await a.packages.get('acme', fine)).status, 'deleted', lines.join('\n'));
    assert.ok(
      lines.some((l) => /^info artifact retention: acme: 1 eligible, 1 packages deleted/.test(l)),
      lines.join('\n'),
    );
  });
});
