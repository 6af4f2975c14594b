/**
 * Every route × every role (and no key, and a revoked key) × (own tenant,
 * other tenant): the set of callers a route lets through is exactly the one
 * written down here (by hand, not derived from src/domain/access.ts), and
 * no key ever reads or writes another tenant's data.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ROLES } from '../../src/domain/principal.js';
import {
  type Answer,
  BACKENDS,
  type Call,
  call,
  makeTenant,
  openStack,
  type Stack,
  type TenantFixture,
} from '../helpers/http.js';

type Caller = (typeof ROLES)[number] | 'anonymous' | 'revoked';
const CALLERS: readonly Caller[] = [...ROLES, 'anonymous', 'revoked'];

interface Route {
  readonly name: string;
  /** The request against tenant `t` (whose keys may or may not be the caller's). */
  readonly request: (
    t: string,
    ctx: { victimKey: string; n: number; fx: ArtifactFixture },
  ) => [string, string, Call?] | Promise<[string, string, Call?]>;
  /** Callers allowed on their own tenant. */
  readonly own: readonly Caller[];
  /** Callers allowed on another tenant (only the platform admin, for the one thing it does there). */
  readonly other?: readonly Caller[];
}

const READERS: readonly Caller[] = ['tenant-admin', 'reader', 'auditor'];

/** Artifacts made beforehand in each tenant, and ways to make fresh ones per request. */
interface ArtifactFixture {
  readonly finalized: string;
  readonly open: string;
  readonly fileId: string;
  /** A new open package with one file (for finalize). */
  freshOpen(): Promise<string>;
  /** A new active hold on `finalized` (for release). */
  freshHold(): Promise<string>;
  /** A new open resumable upload into `open` (with all its bytes when `full`). */
  freshUpload(full?: boolean): Promise<string>;
}

async function artifactFixture(s: Stack, tenant: string): Promise<ArtifactFixture> {
  const a = s.services.artifacts!;
  const make = async () =>
    (
      await a.packages.create(tenant, 'fixture', {
        name: 'fx',
        producer: 'matrix',
        subject: 'sub',
        retentionClass: 'raw-evidence',
      })
    ).package.id;
  const finalized = await make();
  const added = await a.files.add(tenant, 'fixture', finalized, {
    path: 'a.txt',
    body: Readable.from([Buffer.from('abc')]),
  });
  await a.packages.finalize(tenant, 'fixture', finalized);
  const open = await make();
  return {
    finalized,
    open,
    fileId: added.file.id,
    async freshOpen() {
      const id = await make();
      await a.files.add(tenant, 'fixture', id, { path: 'x.txt', body: Readable.from([Buffer.from('x')]) });
      return id;
    },
    async freshHold() {
      return (await a.holds.apply(tenant, 'fixture', finalized, { caseId: 'c', reason: 'r' })).hold.id;
    },
    async freshUpload(full = false) {
      const bytes = Buffer.from([1, 2, 3]);
      const path = `up-${Math.random().toString(36).slice(2)}.bin`;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const { id } = await a.uploads.start(tenant, 'fixture', open, { path, size: 3, sha256 });
      if (full) await a.uploads.put(tenant, id, { offset: 0, body: Readable.from([bytes]) });
      return id;
    },
  };
}

const ART = (t: string) => `/v1/artifacts/${t}`;
const ARTIFACT_ROUTES: readonly Route[] = [
  { name: 'artifact backends health', request: (t) => ['GET', `${ART(t)}/health/backends`], own: READERS },
  { name: 'artifact backends', request: (t) => ['GET', `${ART(t)}/backends`], own: READERS },
  { name: 'artifact store health', request: (t) => ['GET', `${ART(t)}/health`], own: READERS },
  {
    name: 'file and its locations',
    request: (t, c) => ['GET', `${ART(t)}/files/${c.fx.fileId}`],
    own: READERS,
  },
  { name: 'deletion plan', request: (t) => ['GET', `${ART(t)}/deletions/plan`], own: READERS },
  {
    name: 'upload file (raw PUT)',
    request: (t, c) => [
      'PUT',
      `${ART(t)}/packages/${c.fx.open}/files/put/f${c.n}.bin`,
      { body: new Uint8Array([1, 2, 3]), type: 'application/octet-stream' },
    ],
    own: ['tenant-admin', 'writer'],
  },
  {
    name: 'create package',
    request: (t) => [
      'POST',
      `${ART(t)}/packages`,
      { json: { name: 'p', producer: 'm', subject: 's', retentionClass: 'transient' } },
    ],
    own: ['tenant-admin', 'writer'],
  },
  { name: 'list packages', request: (t) => ['GET', `${ART(t)}/packages?subject=sub`], own: READERS },
  { name: 'get package', request: (t, c) => ['GET', `${ART(t)}/packages/${c.fx.finalized}`], own: READERS },
  {
    name: 'upload file',
    request: (t, c) => [
      'POST',
      `${ART(t)}/packages/${c.fx.open}/files?path=f${c.n}.bin`,
      { body: new Uint8Array([1, 2, 3]), type: 'application/octet-stream' },
    ],
    own: ['tenant-admin', 'writer'],
  },
  {
    name: 'finalize package',
    request: async (t, c) => ['POST', `${ART(t)}/packages/${await c.fx.freshOpen()}/finalize`],
    own: ['tenant-admin', 'writer'],
  },
  {
    name: 'manifest',
    request: (t, c) => ['GET', `${ART(t)}/packages/${c.fx.finalized}/manifest`],
    own: READERS,
  },
  {
    name: 'download',
    request: (t, c) => ['GET', `${ART(t)}/files/${c.fx.fileId}/download`],
    own: READERS,
  },
  {
    name: 'start resumable upload',
    request: (t, c) => [
      'POST',
      `${ART(t)}/packages/${c.fx.open}/uploads`,
      { json: { path: `u${c.n}.bin`, size: 3, sha256: '0'.repeat(64) } },
    ],
    own: ['tenant-admin', 'writer'],
  },
  {
    name: 'upload status',
    request: async (t, c) => ['GET', `${ART(t)}/uploads/${await c.fx.freshUpload()}`],
    own: ['tenant-admin', 'writer'],
  },
  {
    name: 'upload part',
    request: async (t, c) => [
      'PUT',
      `${ART(t)}/uploads/${await c.fx.freshUpload()}?offset=0`,
      { body: new Uint8Array([1, 2, 3]), type: 'application/octet-stream' },
    ],
    own: ['tenant-admin', 'writer'],
  },
  {
    name: 'abort upload',
    request: async (t, c) => ['DELETE', `${ART(t)}/uploads/${await c.fx.freshUpload()}`],
    own: ['tenant-admin', 'writer'],
  },
  {
    name: 'complete upload',
    request: async (t, c) => ['POST', `${ART(t)}/uploads/${await c.fx.freshUpload(true)}/complete`],
    own: ['tenant-admin', 'writer'],
  },
  {
    // Whoever may download a file may ask for its restore (202); writers and approvers read no bytes.
    name: 'restore file',
    request: (t, c) => ['POST', `${ART(t)}/files/${c.fx.fileId}/restore`, { json: { days: 1 } }],
    own: READERS,
  },
  {
    name: 'extend retention',
    request: (t, c) => [
      'POST',
      `${ART(t)}/packages/${c.fx.finalized}/retention/extensions`,
      { json: { by: { days: 1 }, reason: 'matrix' } },
    ],
    own: ['tenant-admin', 'approver'],
  },
  {
    name: 'apply hold',
    request: (t, c) => [
      'POST',
      `${ART(t)}/packages/${c.fx.finalized}/retention/holds`,
      { json: { caseId: 'case-1', reason: 'matrix' } },
    ],
    own: ['tenant-admin', 'approver'],
  },
  {
    name: 'release hold',
    request: async (t, c) => [
      'POST',
      `${ART(t)}/packages/${c.fx.finalized}/retention/holds/${await c.fx.freshHold()}/release`,
      { json: { reason: 'matrix' } },
    ],
    own: ['tenant-admin', 'approver'],
  },
];
const text = (s: string): Call => ({ json: { entries: [{ text: s }] } });

const ROUTES: readonly Route[] = [
  {
    name: 'create tenant',
    request: (_t, c) => ['POST', '/v1/tenants', { json: { name: `new-${c.n}` } }],
    own: ['platform-admin'],
    other: ['platform-admin'],
  },
  {
    name: 'list tenants',
    request: () => ['GET', '/v1/tenants'],
    own: ['platform-admin'],
    other: ['platform-admin'],
  },
  {
    name: 'create reader key',
    request: (t) => ['POST', `/v1/tenants/${t}/keys`, { json: { role: 'reader', name: 'm' } }],
    own: ['tenant-admin'],
  },
  {
    name: 'create tenant-admin key',
    request: (t) => ['POST', `/v1/tenants/${t}/keys`, { json: { role: 'tenant-admin', name: 'm' } }],
    own: ['tenant-admin', 'platform-admin'],
    other: ['platform-admin'],
  },
  { name: 'list keys', request: (t) => ['GET', `/v1/tenants/${t}/keys`], own: ['tenant-admin'] },
  {
    name: 'revoke key',
    request: (t, c) => ['DELETE', `/v1/tenants/${t}/keys/${c.victimKey}`],
    own: ['tenant-admin'],
  },
  {
    name: 'create log',
    request: (t, c) => ['POST', `/v1/logs/${t}`, { json: { name: `log-${c.n}` } }],
    own: ['tenant-admin'],
  },
  { name: 'list logs', request: (t) => ['GET', `/v1/logs/${t}`], own: READERS },
  { name: 'describe log', request: (t) => ['GET', `/v1/logs/${t}/data`], own: READERS },
  {
    name: 'append',
    request: (t) => ['POST', `/v1/logs/${t}/data/entries`, text('matrix')],
    own: ['tenant-admin', 'writer'],
  },
  {
    name: 'append bundle, published',
    request: (t) => [
      'POST',
      `/v1/logs/${t}/data/entries?wait=published`,
      { body: new Uint8Array([0, 1, 65]), type: 'application/vnd.vellum.entry-bundle' },
    ],
    own: ['tenant-admin', 'writer'],
  },
  {
    name: 'read entries',
    request: (t) => ['GET', `/v1/logs/${t}/data/entries?start=0&limit=2`],
    own: READERS,
  },
  { name: 'read entry', request: (t) => ['GET', `/v1/logs/${t}/data/entries/1`], own: READERS },
  {
    name: 'consistency proof',
    request: (t) => ['GET', `/v1/logs/${t}/data/proofs/consistency?from=1&to=2`],
    own: READERS,
  },
  {
    name: 'checkpoint',
    request: (t) => ['GET', `/logs/${t}/data/checkpoint`],
    own: [...READERS, 'approver'],
  },
  { name: 'hash tile', request: (t) => ['GET', `/logs/${t}/data/tile/0/000.p/2`], own: READERS },
  { name: 'entry bundle', request: (t) => ['GET', `/logs/${t}/data/tile/entries/000.p/2`], own: READERS },
  {
    name: 'reads log entries',
    request: (t) => ['GET', `/v1/logs/${t}/reads/entries`],
    own: ['tenant-admin', 'auditor'],
  },
  {
    name: 'reads log checkpoint',
    request: (t) => ['GET', `/logs/${t}/reads/checkpoint`],
    own: ['tenant-admin', 'auditor'],
  },
  {
    name: 'reads log tile',
    request: (t) => ['GET', `/logs/${t}/reads/tile/0/000.p/1`],
    own: ['tenant-admin', 'auditor'],
  },
  {
    name: 'audit log entries',
    request: (t) => ['GET', `/v1/logs/${t}/audit/entries`],
    own: ['tenant-admin', 'auditor'],
  },
  { name: 'records log entries', request: (t) => ['GET', `/v1/logs/${t}/records/entries`], own: READERS },
  {
    name: 'append to records (platform-written)',
    request: (t) => ['POST', `/v1/logs/${t}/records/entries`, text('forged')],
    own: [],
  },
  {
    name: 'append to reads (platform-written)',
    request: (t) => ['POST', `/v1/logs/${t}/reads/entries`, text('forged')],
    own: [],
  },
  {
    name: 'append to audit (platform-written)',
    request: (t) => ['POST', `/v1/logs/${t}/audit/entries`, text('forged')],
    own: [],
  },
  {
    name: 'write records',
    request: (t) => ['POST', `/v1/records/${t}`, { json: { records: [{ level: 'INFO', message: 'm' }] } }],
    own: ['tenant-admin', 'writer'],
  },
  { name: 'read records', request: (t) => ['GET', `/v1/records/${t}?text=m`], own: READERS },
  { name: 'record stats', request: (t) => ['GET', `/v1/records/${t}/stats`], own: READERS },
  {
    name: 'verify records',
    request: (t) => ['POST', `/v1/records/${t}/verify`],
    own: ['tenant-admin', 'auditor'],
  },
  { name: 'metrics', request: () => ['GET', '/metrics'], own: ['platform-admin'], other: ['platform-admin'] },
  ...ARTIFACT_ROUTES,
];

for (const backend of BACKENDS) {
  const skip = await backend.skip();
  describe(`access matrix: route × role × tenant (${backend.name})`, { skip }, () => {
    let drop: (() => Promise<void>) | undefined;
    let s: Stack;
    let acme: TenantFixture;
    let globex: TenantFixture;
    const fx: Record<string, ArtifactFixture> = {};
    const tokens: Record<string, Record<Caller, string | undefined>> = {};
    let n = 0;

    before(async () => {
      const db = await backend.open();
      drop = db.drop;
      s = await openStack(db.options);
      acme = await makeTenant(s, 'acme', 3);
      globex = await makeTenant(s, 'globex', 3);
      fx.acme = await artifactFixture(s, 'acme');
      fx.globex = await artifactFixture(s, 'globex');
      for (const t of [acme, globex]) {
        const revoked = await call(s.app, 'POST', `/v1/tenants/${t.name}/keys`, {
          token: t.tokens['tenant-admin'],
          json: { role: 'reader', name: 'gone' },
        });
        await call(s.app, 'DELETE', `/v1/tenants/${t.name}/keys/${revoked.json.id}`, {
          token: t.tokens['tenant-admin'],
        });
        tokens[t.name] = { ...t.tokens, anonymous: undefined, revoked: revoked.json.token } as Record<
          Caller,
          string | undefined
        >;
      }
      // Make sure the reads log has an entry, so its tile exists for those allowed to read it.
      await call(s.app, 'GET', '/v1/logs/acme/data/entries/0', { token: acme.tokens.reader });
      await call(s.app, 'GET', '/v1/logs/globex/data/entries/0', { token: globex.tokens.reader });
      await (await s.registry.get('acme', 'reads')).published(0);
      await (await s.registry.get('globex', 'reads')).published(0);
    });
    after(async () => {
      await s?.close();
      await drop?.();
    });

    async function victim(t: TenantFixture): Promise<string> {
      const k = await call(s.app, 'POST', `/v1/tenants/${t.name}/keys`, {
        token: t.tokens['tenant-admin'],
        json: { role: 'writer', name: 'victim' },
      });
      return k.json.id;
    }

    for (const route of ROUTES) {
      it(route.name, async () => {
        const allowed: Record<'own' | 'other', Caller[]> = { own: [], other: [] };
        for (const [scope, target] of [
          ['own', 'acme'],
          ['other', 'globex'],
        ] as const) {
          for (const caller of CALLERS) {
            const [method, url, c] = await route.request(target, {
              victimKey: await victim(target === 'acme' ? acme : globex),
              n: n++,
              fx: fx[target]!,
            });
            const a: Answer = await call(s.app, method, url, {
              ...c,
              ...(tokens.acme![caller] ? { token: tokens.acme![caller] } : {}),
            });
            assert.ok(a.status < 500, `${route.name} by ${caller} on ${target}: ${a.status} ${a.text}`);
            if (a.status < 300) allowed[scope].push(caller);
            else {
              const want = caller === 'anonymous' || caller === 'revoked' ? 401 : 403;
              assert.equal(a.status, want, `${route.name} by ${caller} on ${target}: ${a.status} ${a.text}`);
              assert.equal(typeof a.json?.error?.code, 'string');
            }
          }
        }
        assert.deepEqual(allowed.own.sort(), [...route.own].sort(), `${route.name}: allowed on own tenant`);
        assert.deepEqual(
          allowed.other.sort(),
          [...(route.other ?? [])].sort(),
          `${route.name}: allowed on another tenant`,
        );
      });
    }

    it("leaves the other tenant's logs exactly as its own keys wrote them", async () => {
      const g = await call(s.app, 'GET', '/v1/logs/globex/data/entries?limit=1000', {
        token: globex.tokens.reader,
      });
      const texts = g.json.entries.map((e: { base64: string }) => Buffer.from(e.base64, 'base64').toString());
      assert.deepEqual(texts, ['globex entry 0', 'globex entry 1', 'globex entry 2']);
      // The audit log has the fixtures' artifact entries; no acme call added files or packages there.
      const open = await s.services.artifacts!.files.list('globex', fx.globex!.open);
      assert.equal(open.length, 0, "globex's open package got no files from acme's keys");
      const pkgs = await s.services.artifacts!.packages.list('globex', {});
      assert.ok(pkgs.packages.every((p) => p.createdBy === 'fixture'));
      for (const log of ['records', 'operations']) {
        const l = await call(s.app, 'GET', `/v1/logs/globex/${log}`, {
          token: globex.tokens['tenant-admin'],
        });
        assert.equal(l.json.size, 0, `globex/${log} is untouched`);
      }
      const keys = await call(s.app, 'GET', '/v1/tenants/globex/keys', {
        token: globex.tokens['tenant-admin'],
      });
      for (const k of keys.json.keys) assert.equal(k.tenant, 'globex');
      // Only the platform admin made keys there from outside: tenant-admin keys named 'm'.
      const foreign = keys.json.keys.filter((k: { name: string }) => k.name === 'm');
      assert.ok(foreign.every((k: { role: string }) => k.role === 'tenant-admin'));
    });

    it('answers 403, not 404, for tenants and logs that do not exist, so keys learn nothing', async () => {
      for (const url of [
        '/v1/logs/ghost/data/entries',
        '/logs/ghost/x/checkpoint',
        '/v1/logs/globex/nope/entries/0',
        '/v1/tenants/ghost/keys',
      ]) {
        const a = await call(s.app, 'GET', url, { token: acme.tokens['tenant-admin'] });
        assert.equal(a.status, 403, `${url}: ${a.text}`);
      }
      const own = await call(s.app, 'GET', '/v1/logs/acme/nope/entries/0', { token: acme.tokens.reader });
      assert.equal(own.status, 404);
    });
  });
}
