/**
 * A file uploaded in parts that survives dropped connections and restarts
 * (the server's resumable uploads, docs/artifacts.md):
 *
 *   const r = await uploadResumable(client, 'acme', packageId, { file: 'dump.bin', path: 'dump.bin' });
 *
 * The file is hashed first (its SHA-256 is declared up front, and the
 * server hashes the whole again when it is completed). Each part is read
 * into memory (`partSize`, default 8 MiB: the most this holds at once),
 * hashed, and sent with its own SHA-256, so a part damaged on the way is
 * refused and sent again (up to three times). A failed part is retried by the transport; when
 * the server answers that the offset moved (the part arrived, but its
 * answer was lost), the upload goes on from where the server says it
 * stands. Pass `uploadId` to resume an upload begun earlier (by this or
 * another process).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { VellumApiError } from './http.js';
import type { VellumClient } from './vellum-client.js';

export interface ResumableUploadOptions {
  /** The local file. */
  readonly file: string;
  /** Its path in the package. */
  readonly path: string;
  readonly mediaType?: string;
  /** Bytes per part (default 8 MiB, at least 1). */
  readonly partSize?: number;
  /** The file's SHA-256, when already known (else it is computed). */
  readonly sha256?: string;
  /** An upload to resume (from an earlier `onStart`). */
  readonly uploadId?: string;
  /** Called once the upload exists, with its id: keep it to resume after a crash. */
  readonly onStart?: (uploadId: string) => void;
  /** Bytes the server holds so far. */
  readonly onProgress?: (received: number) => void;
}

// biome-ignore lint/suspicious/noExplicitAny: server views, passed through
type Json = any;

interface UploadState {
  readonly id: string;
  readonly size: number;
  readonly sha256: string;
  readonly state: string;
  readonly received: number;
}

const DEFAULT_PART = 8 << 20;
/** Times one part is sent again after the server found it damaged. */
const MAX_DAMAGED = 3;

/** Hashes a file as a stream. */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function uploadResumable(
  client: VellumClient,
  tenant: string,
  packageId: string,
  o: ResumableUploadOptions,
): Promise<{ file: Json; deduplicated: boolean; uploadId: string }> {
  const partSize = o.partSize ?? DEFAULT_PART;
  if (!Number.isSafeInteger(partSize) || partSize < 1)
    throw new RangeError('partSize must be a positive integer');
  const size = (await stat(o.file)).size;
  const sha256 = o.sha256 ?? (await sha256File(o.file));
  const base = `/v1/artifacts/${encodeURIComponent(tenant)}`;
  const status = async (id: string) =>
    (await client.http.request<{ upload: UploadState }>(`${base}/uploads/${encodeURIComponent(id)}`)).upload;

  let upload: UploadState;
  if (o.uploadId) {
    upload = await status(o.uploadId);
    if (upload.size !== size || upload.sha256 !== sha256)
      throw new VellumApiError(
        409,
        'conflict',
        `upload ${o.uploadId} is of another file (${upload.size} bytes, sha256 ${upload.sha256}): start a new one`,
      );
  } else {
    upload = (
      await client.http.request<{ upload: UploadState }>(
        `${base}/packages/${encodeURIComponent(packageId)}/uploads`,
        {
          method: 'POST',
          json: { path: o.path, size, sha256, ...(o.mediaType ? { mediaType: o.mediaType } : {}) },
        },
      )
    ).upload;
  }
  o.onStart?.(upload.id);
  o.onProgress?.(upload.received);

  const fd = await open(o.file, 'r');
  try {
    let at = upload.received;
    let damaged = 0;
    const buf = Buffer.allocUnsafe(Math.min(partSize, Math.max(size, 1)));
    while (at < size && upload.state === 'open') {
      const len = Math.min(partSize, size - at);
      const { bytesRead } = await fd.read(buf, 0, len, at);
      if (bytesRead !== len) throw new Error(`${o.file} changed while it was uploaded (short read at ${at})`);
      const part = buf.subarray(0, len);
      const partSha = createHash('sha256').update(part).digest('hex');
      try {
        upload = (
          await client.http.request<{ upload: UploadState }>(
            `${base}/uploads/${encodeURIComponent(upload.id)}`,
            {
              method: 'PUT',
              query: { offset: at, sha256: partSha },
              body: part,
              contentType: 'application/octet-stream',
            },
          )
        ).upload;
        damaged = 0;
      } catch (e) {
        if (!(e instanceof VellumApiError)) throw e;
        if (e.code === 'digest-mismatch' && ++damaged < MAX_DAMAGED) continue; // damaged on the way: again
        // The part may have arrived with its answer lost: ask where the upload stands.
        if (e.status !== 409 && !e.retryable) throw e;
        const now = await status(upload.id);
        if (now.state !== 'open' || now.received === at) throw e;
        upload = now;
      }
      at = upload.received;
      o.onProgress?.(at);
    }
  } finally {
    await fd.close();
  }
  const done = await client.http.request<{ file: Json; deduplicated: boolean }>(
    `${base}/uploads/${encodeURIComponent(upload.id)}/complete`,
    { method: 'POST' },
  );
  return { file: done.file, deduplicated: done.deduplicated, uploadId: upload.id };
}
