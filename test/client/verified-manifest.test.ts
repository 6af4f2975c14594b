/**
 * ArtifactClient.verifiedManifest (what `vellum package verify` relies on)
 * against a real listening server, and against the same server behind a
 * fetch that tampers with the manifest answer: altered manifest bytes, a
 * genuine proof of another package's finalize entry or of another entry of
 * the same package, a genuine manifest of another package, and an entry
 * that carries the right package and digest but is not a finalize entry
 * (and a finalize entry of another package carrying this digest; these
 * last two are forged straight into the audit log).
 * Each must be refused, saying why; the untouched answer passes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ArtifactClient, type ManifestWithProof } from '../../src/client/artifacts.js';
import { VellumClient } from '../../src/client/index.js';
import { ArtifactAudit } from '../../src/domain/artifacts/audit.js';
import { makeTenant, openStack, type Stack } from '../helpers/http.js';

type Inclusion = NonNullable<ManifestWithProof['inclusion']>;

describe('ArtifactClient.verifiedManifest', () => {
  let s: Stack;
  let url = '';
  let token = '';
  let vkey = '';
  /** Package A: the one verified; B: another finalized package of the tenant. */
  const A = { id: '', created: 0, added: 0, finalized: 0, sha256: '' };
  const B = { id: '', finalized: 0, sha256: '' };
  let genuineB: ManifestWithProof;

  /** The wire form of audit entry `index` with its genuine inclusion proof. */
  const inclusionOf = async (index: number): Promise<Inclusion> => {
    const i = await new ArtifactAudit(s.registry).inclusion('acme', index);
    const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
    return {
      index: i.index,
      entry: b64(i.entry),
      size: i.size,
      proof: i.proof.map(b64),
      checkpoint: i.checkpoint,
      receipt: i.receipt,
    };
  };

  /** A client whose answers to A's manifest requests pass through `tamper`. */
  const client = (tamper?: (m: ManifestWithProof) => ManifestWithProof | Promise<ManifestWithProof>) => {
    const tampering: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const u = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!tamper || !u.includes(`/packages/${A.id}/manifest`)) return res;
      assert.equal(res.status, 200);
      return Response.json(await tamper((await res.json()) as ManifestWithProof));
    };
    return new ArtifactClient(new VellumClient({ url, token, fetch: tampering }));
  };
  const refused = async (
    tamper: (m: ManifestWithProof) => ManifestWithProof | Promise<ManifestWithProof>,
    message: RegExp,
  ) => {
    await assert.rejects(client(tamper).verifiedManifest('acme', A.id, vkey), (e: Error) => {
      assert.match(e.message, message);
      return true;
    });
  };

  before(async () => {
    s = await openStack();
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
    token = (await makeTenant(s, 'acme', 0)).tokens.reader!;
    const a = s.services.artifacts!;
    const make = async (body: string) => {
      const c = await a.packages.create('acme', 'test', {
        name: 'n',
        producer: 'ci',
        subject: body,
        retentionClass: 'raw-evidence',
      });
      const id = c.package.id;
      const f = await a.files.add('acme', 'test', id, {
        path: 'a.txt',
        body: Readable.from([Buffer.from(body)]),
      });
      const fin = await a.packages.finalize('acme', 'test', id);
      return {
        id,
        created: c.auditIndex,
        added: f.auditIndex,
        finalized: fin.auditIndex,
        sha256: fin.manifestSha256,
      };
    };
    Object.assign(A, await make('package A'));
    Object.assign(B, await make('package B'));
    vkey = (await new VellumClient({ url, token }).getLog('acme', 'audit')).vkey;
    genuineB = await new ArtifactClient(new VellumClient({ url, token })).manifest('acme', B.id, true);
    assert.equal(genuineB.sha256, B.sha256);
    assert.notEqual(A.sha256, B.sha256);
  });
  after(async () => {
    await s?.close();
  });

  it('passes the untouched manifest, with its finalize entry', async () => {
    const m = await client().verifiedManifest('acme', A.id, vkey);
    assert.equal(m.packageId, A.id);
    assert.equal(m.sha256, A.sha256);
    assert.equal(m.finalizeIndex, A.finalized);
    assert.equal(m.inclusion?.index, A.finalized);
    assert.equal(
      createHash('sha256').update(Buffer.from(m.manifestBase64, 'base64')).digest('hex'),
      A.sha256,
    );
    assert.deepEqual(
      m.manifest.files.map((f: { path: string }) => f.path),
      ['a.txt'],
    );
    // The same answer through the tampering fetch, untouched, passes too: the double itself is sound.
    assert.equal((await client((m) => m).verifiedManifest('acme', A.id, vkey)).sha256, A.sha256);
  });

  it("fails on another log's verifier key", async () => {
    // A well-formed key that did not sign the audit log's checkpoints.
    const other = (await new VellumClient({ url, token }).getLog('acme', 'records')).vkey;
    assert.notEqual(other, vkey);
    await assert.rejects(client().verifiedManifest('acme', A.id, other), /no verifiable signatures/);
  });

  it('fails on a finalize entry rewritten to name this package and digest: the proof does not cover it', async () => {
    await refused(
      (m) => {
        const entry = JSON.parse(Buffer.from(genuineB.inclusion!.entry, 'base64').toString('utf8'));
        const rewritten = JSON.stringify({ ...entry, package: A.id, manifestSha256: A.sha256 });
        return {
          ...m,
          finalizeIndex: B.finalized,
          inclusion: { ...genuineB.inclusion!, entry: Buffer.from(rewritten).toString('base64') },
        };
      },
      new RegExp(`^inclusion proof for index ${B.finalized} does not lead to the root$`),
    );
  });

  it('fails when the manifest bytes do not hash to the stated digest', async () => {
    await refused(
      (m) => {
        const bytes = Buffer.from(m.manifestBase64, 'base64');
        bytes[bytes.length - 2]! ^= 1;
        return { ...m, manifestBase64: bytes.toString('base64') };
      },
      new RegExp(`^the manifest hashes to [0-9a-f]{64}, not ${A.sha256}$`),
    );
  });

  it('fails when altered manifest bytes come with their own digest: the finalize entry has another', async () => {
    await refused(
      (m) => {
        const altered = Buffer.from(
          Buffer.from(m.manifestBase64, 'base64').toString('utf8').replace('"a.txt"', '"b.txt"'),
        );
        const sha256 = createHash('sha256').update(altered).digest('hex');
        assert.notEqual(sha256, A.sha256);
        return { ...m, manifestBase64: altered.toString('base64'), sha256 };
      },
      new RegExp(
        `is for package ${A.id} with manifest ${A.sha256}, not ${A.id} with (?!${A.sha256})[0-9a-f]{64}$`,
      ),
    );
  });

  it("fails on another package's genuine manifest beside this package's genuine proof", async () => {
    await refused(
      (m) => ({
        ...m,
        manifest: genuineB.manifest,
        manifestBase64: genuineB.manifestBase64,
        sha256: B.sha256,
      }),
      new RegExp(`is for package ${A.id} with manifest ${A.sha256}, not ${A.id} with ${B.sha256}$`),
    );
  });

  it("fails on the genuine proof of another package's finalize entry", async () => {
    await refused(
      (m) => ({ ...m, finalizeIndex: B.finalized, inclusion: genuineB.inclusion! }),
      new RegExp(`is for package ${B.id} with manifest ${B.sha256}, not ${A.id} with ${A.sha256}$`),
    );
    // The same proof, still claimed for A's finalize index.
    await refused(
      (m) => ({ ...m, inclusion: genuineB.inclusion! }),
      new RegExp(`^the receipt is for index ${B.finalized}, not the finalize entry ${A.finalized}$`),
    );
  });

  it('fails on the genuine proof of another entry of the same package (created, file added) as its finalize entry', async () => {
    for (const [index, type] of [
      [A.created, 'package-created'],
      [A.added, 'file-added'],
    ] as const) {
      const inclusion = await inclusionOf(index);
      await refused(
        (m) => ({ ...m, finalizeIndex: index, inclusion }),
        new RegExp(`^entry #${index} is not a finalize entry: its type is "vellum\\.artifact\\.${type}"`),
      );
    }
  });

  /** Appends `fields` as a raw entry of the tenant's audit log (as a forger with write access would); its index. */
  const forge = async (fields: Record<string, unknown>) => {
    const log = await s.registry.get('acme', 'audit');
    const entry = { v: 1, time: new Date().toISOString(), actor: 'test', files: 1, bytes: 9, ...fields };
    return log.append(new Uint8Array(Buffer.from(JSON.stringify(entry))));
  };

  it('fails on an entry naming this package and digest that is not a finalize entry', async () => {
    // Everything a finalize entry carries but its type: only the type check refuses it.
    const forged = await forge({
      type: 'vellum.artifact.file-added',
      package: A.id,
      manifestSha256: A.sha256,
    });
    const inclusion = await inclusionOf(forged);
    await refused(
      (m) => ({ ...m, finalizeIndex: forged, inclusion }),
      new RegExp(`^entry #${forged} is not a finalize entry: its type is "vellum\\.artifact\\.file-added"`),
    );
  });

  it("fails on a finalize entry carrying this manifest's digest for another package", async () => {
    // Only the package check refuses it.
    const forged = await forge({
      type: 'vellum.artifact.package-finalized',
      package: B.id,
      manifestSha256: A.sha256,
    });
    const inclusion = await inclusionOf(forged);
    await refused(
      (m) => ({ ...m, finalizeIndex: forged, inclusion }),
      new RegExp(`is for package ${B.id} with manifest ${A.sha256}, not ${A.id} with ${A.sha256}$`),
    );
  });
});
