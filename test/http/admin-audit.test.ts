/**
 * Administrative actions are entries of the tenant's `audit` log: who made
 * the tenant, each key (never its token) and each log, and who revoked a
 * key. Refused requests write nothing there.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateKey } from '../../src/tlog/note.js';
import { call, makeTenant, openStack, type Stack, type TenantFixture } from '../helpers/http.js';

interface Entry {
  type: string;
  v: number;
  actor: string;
  time: string;
  [k: string]: unknown;
}

describe('admin actions in the audit log', () => {
  let s: Stack;
  let t: TenantFixture;
  before(async () => {
    s = await openStack();
    t = await makeTenant(s, 'acme', 0);
  });
  after(async () => {
    await s?.close();
  });

  /** The tenant's admin entries so far, in log order. */
  const adminEntries = async (): Promise<Entry[]> => {
    const log = await s.registry.get('acme', 'audit');
    const size = log.head().size;
    const marker = await log.append(Buffer.from('marker'));
    await log.published(marker);
    const out: Entry[] = [];
    for await (const { entry } of log.readSince(0, marker)) {
      const text = Buffer.from(entry).toString('utf8');
      if (text.startsWith('{') && text.includes('"vellum.admin.')) out.push(JSON.parse(text) as Entry);
    }
    assert.ok(size <= marker);
    return out;
  };

  it('records the tenant, its keys and its logs, with the actor, and never a token', async () => {
    const entries = await adminEntries();
    const adminId = (
      await call(s.app, 'GET', '/v1/tenants/acme/keys', { token: t.tokens['tenant-admin'] })
    ).json.keys.find((k: { role: string }) => k.role === 'tenant-admin').id;
    assert.deepEqual(
      entries.map((e) => [e.type, e.role ?? e.log ?? e.tenant]),
      [
        ['vellum.admin.tenant-created', 'acme'],
        ['vellum.admin.key-created', 'tenant-admin'],
        ['vellum.admin.key-created', 'writer'],
        ['vellum.admin.key-created', 'reader'],
        ['vellum.admin.key-created', 'auditor'],
        ['vellum.admin.key-created', 'approver'],
        ['vellum.admin.log-created', 'data'],
      ],
    );
    const platformAdmin = entries[0]!.actor;
    assert.match(platformAdmin, /^[0-9a-f]{16}$/, 'the platform admin key id');
    assert.equal(entries[1]!.actor, platformAdmin, 'the platform admin made the tenant admin');
    for (const e of entries.slice(2)) assert.equal(e.actor, adminId, 'the tenant admin made the rest');
    assert.deepEqual(entries[0]!.logs, ['records', 'audit', 'reads', 'operations']);
    assert.deepEqual(
      [entries[6]!.public, entries[6]!.dedup, entries[6]!.removePartials, entries[6]!.ownKey],
      [false, false, false, false],
    );
    const text = JSON.stringify(entries);
    for (const token of Object.values(t.tokens))
      assert.ok(!text.includes(token.slice(-20)), 'no token secret');
    assert.ok(entries.every((e) => e.v === 1 && !Number.isNaN(Date.parse(e.time))));
  });

  it('records a revocation once, and nothing for refused requests', async () => {
    const admin = t.tokens['tenant-admin']!;
    const before = (await adminEntries()).length;
    const bad: [string, string, unknown][] = [
      ['POST', '/v1/logs/acme', { name: 'data' }], // exists
      ['POST', '/v1/logs/acme', { name: 'Bad Name' }],
      ['POST', '/v1/logs/acme', { name: 'own', skey: 'PRIVATE+KEY+nope+00000000+AAAA' }],
      ['POST', '/v1/tenants/acme/keys', { role: 'platform-admin', name: 'x' }],
      ['POST', '/v1/tenants/acme/keys', { role: 'writer', name: '' }],
    ];
    for (const [method, url, json] of bad) {
      const a = await call(s.app, method, url, { token: admin, json });
      assert.ok(a.status >= 400 && a.status < 500, `${url} ${JSON.stringify(json)}: ${a.status} ${a.text}`);
    }
    const dup = await call(s.app, 'POST', '/v1/tenants', { token: s.adminToken, json: { name: 'acme' } });
    assert.equal(dup.status, 409, dup.text);
    assert.equal((await adminEntries()).length, before, 'refusals write nothing');

    const id = t.ids.writer!;
    const r1 = await call(s.app, 'DELETE', `/v1/tenants/acme/keys/${id}`, { token: admin });
    assert.equal(r1.status, 200, r1.text);
    const r2 = await call(s.app, 'DELETE', `/v1/tenants/acme/keys/${id}`, { token: admin });
    assert.equal(r2.status, 200, r2.text);
    const own = await call(s.app, 'POST', '/v1/logs/acme', {
      token: admin,
      json: {
        name: 'own',
        skey: generateKey('acme-own-key', new Uint8Array(randomBytes(32))).skey,
        public: true,
      },
    });
    assert.equal(own.status, 201, own.text);
    const after = (await adminEntries()).slice(before);
    assert.deepEqual(
      after.map((e) => [e.type, e.key ?? e.log, e.role ?? e.ownKey]),
      [
        ['vellum.admin.key-revoked', id, 'writer'],
        ['vellum.admin.log-created', 'own', true],
      ],
      'revoking again adds nothing',
    );
    assert.equal(after[1]!.public, true);
  });
});
