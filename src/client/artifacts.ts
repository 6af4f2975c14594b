/**
 * The artifact store's routes (/v1/artifacts/:tenant/...) for the SDK and
 * the CLI: JSON calls through the client's Transport, uploads streamed from
 * a file, downloads streamed to a writable; and a local check of a
 * manifest against the tenant's audit log (the finalize entry's receipt,
 * verified with the log's verifier key, must carry the manifest's digest).
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseVerifierKey } from '../tlog/note.js';
import { parseReceipt, verifyReceipt } from '../tlog/receipt.js';
import { VellumApiError } from './http.js';
import type { VellumClient } from './vellum-client.js';

// biome-ignore lint/suspicious/noExplicitAny: server views, passed through
type Json = any;

/**
 * Bytes read from a file per chunk of an upload body: fetch moves a web
 * stream chunk by chunk, and at 64 KiB the per-chunk cost, not the disk or
 * the socket, bounds the upload.
 */
const UPLOAD_CHUNK = 1 << 20;

export interface ManifestWithProof {
  readonly packageId: string;
  readonly manifest: Json;
  readonly manifestBase64: string;
  readonly sha256: string;
  readonly finalizeIndex: number;
  readonly inclusion?: {
    readonly index: number;
    readonly entry: string;
    readonly size: number;
    readonly proof: string[];
    readonly checkpoint: string;
    readonly receipt: string;
  };
}

export class ArtifactClient {
  constructor(private readonly client: VellumClient) {}

  #path(tenant: string, rest: string): string {
    return `/v1/artifacts/${encodeURIComponent(tenant)}/${rest}`;
  }

  createPackage(
    tenant: string,
    p: { name: string; producer: string; subject: string; retentionClass: string; metadata?: unknown },
  ): Promise<{ package: Json; auditIndex: number }> {
    return this.client.http.request(this.#path(tenant, 'packages'), { method: 'POST', json: p });
  }

  getPackage(tenant: string, id: string): Promise<{ package: Json; files: Json[]; holds: Json[] }> {
    return this.client.http.request(this.#path(tenant, `packages/${encodeURIComponent(id)}`));
  }

  /** A file with its storage locations (tier, restore status, last scrub). */
  getFile(tenant: string, fileId: string): Promise<{ file: Json }> {
    return this.client.http.request(this.#path(tenant, `files/${encodeURIComponent(fileId)}`));
  }

  /** The deletion dry run: what the deletion job would delete now. Changes nothing. */
  deletionPlan(tenant: string, limit?: number): Promise<Json> {
    return this.client.http.request(
      this.#path(tenant, `deletions/plan${limit !== undefined ? `?limit=${limit}` : ''}`),
    );
  }

  listPackages(
    tenant: string,
    q: Record<string, string | undefined> = {},
    meta: readonly string[] = [],
  ): Promise<{ packages: Json[]; nextCursor: string | null }> {
    // `meta` repeats, which RequestOptions.query cannot say: build the query string here.
    const sp = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined) sp.set(k, v);
    for (const m of meta) sp.append('meta', m);
    const qs = sp.toString();
    return this.client.http.request(this.#path(tenant, `packages${qs ? `?${qs}` : ''}`));
  }

  /** Streams the file at `file` as `path` in the package; `onProgress` sees bytes sent. */
  async uploadFile(
    tenant: string,
    id: string,
    o: {
      file: string;
      path: string;
      mediaType?: string;
      sha256?: string;
      onProgress?: (sent: number) => void;
    },
  ): Promise<{ file: Json; deduplicated: boolean }> {
    const fh = await open(o.file, 'r');
    try {
      const size = (await fh.stat()).size;
      const url = new URL(
        this.client.http.base + this.#path(tenant, `packages/${encodeURIComponent(id)}/files`),
      );
      url.searchParams.set('path', o.path);
      if (o.mediaType) url.searchParams.set('mediaType', o.mediaType);
      if (o.sha256) url.searchParams.set('sha256', o.sha256);
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            ...this.client.http.authHeaders,
            'content-type': 'application/octet-stream',
            'content-length': String(size),
            accept: 'application/json',
          },
          body: fileBody(fh, o.onProgress),
          duplex: 'half',
          // Unless redirects are errors and the request has no window, fetch
          // tees the body to be able to send it again, and the unread branch
          // keeps every byte of the file in memory until the upload ends.
          redirect: 'error',
          window: null,
        } as RequestInit);
      } catch (e) {
        throw new VellumApiError(
          0,
          'network',
          `cannot reach ${this.client.http.base}: ${(e as Error).message}${causeOf(e)}`,
        );
      }
      return await answer(res);
    } finally {
      // The exchange is over: the server read the body, or answered without it.
      await fh.close().catch(() => {});
    }
  }

  finalize(
    tenant: string,
    id: string,
  ): Promise<{ package: Json; manifestSha256: string; auditIndex: number }> {
    return this.client.http.request(this.#path(tenant, `packages/${encodeURIComponent(id)}/finalize`), {
      method: 'POST',
    });
  }

  manifest(tenant: string, id: string, proof = false): Promise<ManifestWithProof> {
    return this.client.http.request(this.#path(tenant, `packages/${encodeURIComponent(id)}/manifest`), {
      ...(proof ? { query: { proof: 'true' } } : {}),
    });
  }

  /** Streams a file's bytes into `out`; returns the status (200/206) and its length. */
  async download(
    tenant: string,
    fileId: string,
    out: NodeJS.WritableStream,
    o: { range?: string } = {},
  ): Promise<{ status: number; bytes: number }> {
    const url = this.client.http.base + this.#path(tenant, `files/${encodeURIComponent(fileId)}/download`);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { ...this.client.http.authHeaders, ...(o.range ? { range: o.range } : {}) },
        redirect: 'follow',
      });
    } catch (e) {
      throw new VellumApiError(
        0,
        'network',
        `cannot reach ${this.client.http.base}: ${(e as Error).message}`,
      );
    }
    if (res.status === 202 || !res.ok || !res.body) {
      await answer(res);
      throw new VellumApiError(res.status, 'not-available', 'the file is being restored; try again later');
    }
    let bytes = 0;
    const counted = new Writable({
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (out.write(chunk)) cb();
        else out.once('drain', () => cb());
      },
    });
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), counted);
    return { status: res.status, bytes };
  }

  /**
   * Asks for a readable copy of a file in a cold or archive tier for `days`
   * (1-365). The server answers 202 with where the restore stands: `restored`
   * (with `expiresAt`), `restore-requested`/`restoring` (try the download
   * later), or `available` (the file needed none).
   */
  restore(
    tenant: string,
    fileId: string,
    days: number,
  ): Promise<{ restore: { status: string; expiresAt?: string }; auditIndex: number }> {
    return this.client.http.request(this.#path(tenant, `files/${encodeURIComponent(fileId)}/restore`), {
      method: 'POST',
      json: { days },
    });
  }

  extend(
    tenant: string,
    id: string,
    x: { until?: string; by?: { days?: number; years?: number; seconds?: number }; reason: string },
  ): Promise<{ package: Json }> {
    return this.client.http.request(
      this.#path(tenant, `packages/${encodeURIComponent(id)}/retention/extensions`),
      { method: 'POST', json: x },
    );
  }

  hold(tenant: string, id: string, h: { caseId: string; reason: string }): Promise<{ hold: Json }> {
    return this.client.http.request(
      this.#path(tenant, `packages/${encodeURIComponent(id)}/retention/holds`),
      {
        method: 'POST',
        json: h,
      },
    );
  }

  release(tenant: string, id: string, holdId: string, reason: string): Promise<{ hold: Json }> {
    return this.client.http.request(
      this.#path(
        tenant,
        `packages/${encodeURIComponent(id)}/retention/holds/${encodeURIComponent(holdId)}/release`,
      ),
      { method: 'POST', json: { reason } },
    );
  }

  /**
   * Fetches the manifest with its proof and checks it locally: the manifest
   * bytes hash to the digest; the receipt of the finalize entry verifies
   * against the audit log's verifier key `vkey`; and that entry names this
   * package and this digest. Throws an Error saying what failed.
   */
  async verifiedManifest(tenant: string, id: string, vkey: string): Promise<ManifestWithProof> {
    const m = await this.manifest(tenant, id, true);
    const bytes = Buffer.from(m.manifestBase64, 'base64');
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== m.sha256) throw new Error(`the manifest hashes to ${digest}, not ${m.sha256}`);
    if (!m.inclusion) throw new Error('the server sent no inclusion proof');
    const entry = new Uint8Array(Buffer.from(m.inclusion.entry, 'base64'));
    const receipt = parseReceipt(m.inclusion.receipt);
    if (receipt.index !== m.finalizeIndex)
      throw new Error(`the receipt is for index ${receipt.index}, not the finalize entry ${m.finalizeIndex}`);
    verifyReceipt(receipt, { logKey: parseVerifierKey(vkey), entry });
    let body: { type?: string; package?: string; manifestSha256?: string };
    try {
      body = JSON.parse(Buffer.from(entry).toString('utf8'));
    } catch {
      throw new Error('the finalize entry is not JSON');
    }
    // The event type of finalize entries (src/domain/artifacts/events.ts: EVENT_PREFIX + 'package-finalized').
    const finalized = 'vellum.artifact.package-finalized';
    if (body === null || typeof body !== 'object' || body.type !== finalized)
      throw new Error(
        `entry #${m.finalizeIndex} is not a finalize entry: its type is ${JSON.stringify(body?.type)}, not ${finalized}`,
      );
    if (body.package !== id || body.manifestSha256 !== m.sha256)
      throw new Error(
        `the finalize entry #${m.finalizeIndex} is for package ${body.package} with manifest ${body.manifestSha256}, not ${id} with ${m.sha256}`,
      );
    return m;
  }
}

/**
 * A file's bytes as a web stream for a fetch body: UPLOAD_CHUNK-byte reads
 * into fresh buffers handed to fetch as they are (no copy), one read ahead.
 * `fh` stays open; the caller closes it once the answer is read.
 */
function fileBody(fh: FileHandle, onProgress?: (sent: number) => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const buf = Buffer.allocUnsafe(UPLOAD_CHUNK);
        const { bytesRead } = await fh.read(buf, 0, UPLOAD_CHUNK, null);
        if (bytesRead === 0) {
          controller.close();
          return;
        }
        sent += bytesRead;
        onProgress?.(sent);
        controller.enqueue(bytesRead === UPLOAD_CHUNK ? buf : buf.subarray(0, bytesRead));
      },
    },
    { highWaterMark: 1 },
  );
}

/** `: <cause>` of a fetch failure ("fetch failed" alone says little), or nothing. */
function causeOf(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? `: ${cause.message}` : '';
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (res.ok && res.status !== 202) return JSON.parse(text) as T;
  let code = `http-${res.status}`;
  let message = text.slice(0, 500) || res.statusText;
  try {
    const e = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (e.error?.code) code = e.error.code;
    if (e.error?.message) message = e.error.message;
  } catch {}
  throw new VellumApiError(res.status, code, message);
}
