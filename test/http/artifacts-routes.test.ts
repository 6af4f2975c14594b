/**
 * The artifact routes beyond the upload-finalize-download path: a raw PUT
 * with the path in the URL, a file's storage locations, the deletion dry
 * run, and the blueprint's health and backends paths.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filesUnder } from '../helpers/files.js';
import { call, makeTenant, openStack, type Stack, type TenantFixture } from '../helpers/http.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe('artifact routes: raw PUT, file locations, deletion plan, health', () => {
  let s: Stack;
  let acme: TenantFixture;
  let globex: TenantFixture;
  let w: string;
  let r: string;
  const base = '/v1/artifacts/acme';

  before(async () => {
    s = await openStack({ artifacts: { retention: { transient: { seconds: 1 } } } });
    acme = await makeTenant(s, 'acme', 0);
    globex = await makeTenant(s, 'globex', 0);
    w = acme.tokens.writer!;
    r = acme.tokens.reader!;
  });
  after(async () => {
    await s?.close();
  });

  const create = async (retentionClass = 'raw-evidence') => {
    const a = await call(s.app, 'POST', `${base}/packages`, {
      token: w,
      json: { name: 'run', producer: 'ci', subject: 'build', retentionClass },
    });
    assert.equal(a.status, 201, a.text);
    return a.json.package.id as string;
  };
  const put = (
    id: string,
    path: string,
    body: string | Uint8Array,
    q = '',
    type = 'application/octet-stream',
  ) => call(s.app, 'PUT', `${base}/packages/${id}/files/${path}${q}`, { token: w, body, type });
  const files = async (id: string) =>
    (await call(s.app, 'GET', `${base}/packages/${id}`, { token: r })).json.files as {
      id: string;
      path: string;
      sha256: string;
      mediaType: string;
    }[];
  /** Every file under the filesystem blob store. */
  const stored = () => filesUnder(join(s.dir, 'blobs'));

  it('takes a raw PUT with the relative path in the URL', async () => {
    const id = await create();
    const json = '{"run":42}';
    const a = await put(id, 'reports/run%20one.json', json, '?mediaType=application/json');
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.file.path, 'reports/run one.json');
    assert.equal(a.json.file.sha256, sha(json));
    assert.equal(a.json.file.size, json.length);
    const listed = await files(id);
    assert.deepEqual(
      listed.map((f) => [f.path, f.mediaType, f.sha256]),
      [['reports/run one.json', 'application/json', sha(json)]],
    );
    const down = await call(s.app, 'GET', `${base}/files/${listed[0]!.id}/download`, { token: r });
    assert.equal(down.text, json);
    // A declared digest that matches is taken; the path in the package is taken once.
    assert.equal((await put(id, 'b.txt', 'bee', `?sha256=${sha('bee')}`)).status, 201);
    const again = await put(id, 'b.txt', 'other');
    assert.equal(again.status, 409, again.text);
  });

  it('refuses a bad raw PUT with a 4xx and stores nothing', async () => {
    const id = await create();
    const before = stored();
    const cases: [string, string, string, number, RegExp][] = [
      ['..%2F..%2Fetc%2Fpasswd', '', 'application/octet-stream', 400, /path/i],
      ['a%2F..%2Fb', '', 'application/octet-stream', 400, /path/i],
      ['%2Fabs', '', 'application/octet-stream', 400, /path/i],
      ['x.bin', '?path=y.bin', 'application/octet-stream', 400, /query|URL|path/],
      ['x.bin', `?sha256=${sha('something else')}`, 'application/octet-stream', 422, /sha|digest/i],
      ['x.bin', '', 'multipart/form-data; boundary=b', 415, /POST/],
      ['x.bin', '', 'text/plain', 415, /text\/plain|media type/i],
    ];
    for (const [path, q, type, status, message] of cases) {
      const a = await put(id, path, 'payload', q, type);
      assert.equal(a.status, status, `${path}${q} (${type}): ${a.text}`);
      assert.match(a.json.error.message, message, `${path}${q}`);
    }
    assert.deepEqual(await files(id), []);
    assert.deepEqual(stored(), before, 'no blob or staged copy was left');
    // Another tenant's key cannot PUT into acme's package.
    const other = await call(s.app, 'PUT', `${base}/packages/${id}/files/x.bin`, {
      token: globex.tokens.writer!,
      body: 'x',
      type: 'application/octet-stream',
    });
    assert.equal(other.status, 403, other.text);
    assert.deepEqual(await files(id), []);
  });

  it("shows a file's storage locations: tier, restore status, last scrub", async () => {
    const id = await create();
    const a = await put(id, 'data.bin', 'located bytes');
    const fileId = a.json.file.id as string;
    const got = await call(s.app, 'GET', `${base}/files/${fileId}`, { token: r });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.file.sha256, sha('located bytes'));
    assert.equal(got.json.file.locations.length, 1);
    const loc = got.json.file.locations[0];
    assert.equal(loc.tier, 'hot');
    assert.equal(loc.backend, 'fs');
    assert.match(loc.objectKey, new RegExp(`blobs/sha256/${sha('located bytes')}$`));
    assert.equal(loc.lastVerifiedAt, null);
    for (const k of ['restoreStatus', 'restoreRequestedAt', 'restoreExpiresAt', 'status', 'createdAt'])
      assert.ok(k in loc, k);
    // A scrub records when the bytes were last verified.
    await s.services.artifacts!.scrub.scrub('acme', 'test', { limit: 1000 });
    const after = await call(s.app, 'GET', `${base}/files/${fileId}`, { token: r });
    assert.match(after.json.file.locations[0].lastVerifiedAt, /^\d{4}-\d\d-\d\dT/);
    // Unknown ids and other tenants' files are not found; writers cannot read.
    assert.equal((await call(s.app, 'GET', `${base}/files/fil_none`, { token: r })).status, 404);
    const cross = await call(s.app, 'GET', `/v1/artifacts/globex/files/${fileId}`, {
      token: globex.tokens.reader!,
    });
    assert.equal(cross.status, 404, cross.text);
    assert.equal((await call(s.app, 'GET', `${base}/files/${fileId}`, { token: w })).status, 403);
  });

  it('lists what the deletion job would delete, and changes nothing', async () => {
    const gone = await create('transient');
    const goneFile = (await put(gone, 'old.log', 'expiring bytes')).json.file.id as string;
    const kept = await create('transient');
    await put(kept, 'held.log', 'held bytes');
    const admin = acme.tokens['tenant-admin']!;
    const hold = await call(s.app, 'POST', `${base}/packages/${kept}/retention/holds`, {
      token: admin,
      json: { caseId: 'CASE-1', reason: 'litigation' },
    });
    assert.equal(hold.status, 201, hold.text);
    await new Promise((res) => setTimeout(res, 1100));
    await s.services.artifacts!.deletion.sweep('acme');

    const plan = await call(s.app, 'GET', `${base}/deletions/plan`, { token: r });
    assert.equal(plan.status, 200, plan.text);
    assert.deepEqual(
      plan.json.packages.map((p: { id: string; swept: boolean }) => [p.id, p.swept]),
      [[gone, true]],
    );
    assert.deepEqual(
      plan.json.packages[0].files.map((f: { id: string; path: string }) => [f.id, f.path]),
      [[goneFile, 'old.log']],
    );
    // The held package was never marked eligible: it is not in the plan.
    assert.ok(!JSON.stringify(plan.json).includes(kept), 'the held package is not planned');
    assert.ok(plan.json.blobs.some((b: { sha256: string }) => b.sha256 === sha('expiring bytes')));
    assert.ok(!plan.json.blobs.some((b: { sha256: string }) => b.sha256 === sha('held bytes')));
    // Nothing went: the package and its bytes are still there.
    const still = await call(s.app, 'GET', `${base}/files/${goneFile}/download`, { token: r });
    assert.equal(still.text, 'expiring bytes');
    // Only keys that may read artifacts see it; a bad limit is a 400.
    assert.equal((await call(s.app, 'GET', `${base}/deletions/plan`, { token: w })).status, 403);
    assert.equal((await call(s.app, 'GET', `${base}/deletions/plan?limit=0`, { token: r })).status, 400);
  });

  it('answers the health and backends paths', async () => {
    const h = await call(s.app, 'GET', `${base}/health`, { token: r });
    assert.equal(h.status, 200, h.text);
    assert.equal(h.json.status, 'ok');
    assert.equal(h.json.backends[0].backend, 'fs');
    assert.equal(h.json.backends[0].ok, true);
    const b = await call(s.app, 'GET', `${base}/backends`, { token: r });
    assert.equal(b.status, 200, b.text);
    const hb = await call(s.app, 'GET', `${base}/health/backends`, { token: r });
    assert.deepEqual(
      b.json.backends.map((x: { backend: string; role: string }) => [x.backend, x.role]),
      hb.json.backends.map((x: { backend: string; role: string }) => [x.backend, x.role]),
    );
    assert.equal((await call(s.app, 'GET', `${base}/health`)).status, 401);
  });
});
