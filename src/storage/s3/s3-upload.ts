/** One metered upload: a body through a DigestMeter into lib-storage's Upload, both sides settled. */

import { pipeline, type Readable } from 'node:stream';
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { DigestMeter } from '../blob-meter.js';

export interface UploadShape {
  partSize: number;
  queueSize: number;
}

/**
 * Uploads `body` as one object: a single PutObject when it fits in a part,
 * else a multipart upload with at most `queueSize` parts in memory. Resolves
 * with the version id (absent on unversioned buckets). Rejects with the
 * stream's error when the body or the meter failed (then the PutObject was
 * never sent, or the multipart upload was aborted, before this rejects),
 * else with the SDK's error.
 */
export async function meteredUpload(
  client: S3Client,
  shape: UploadShape,
  params: Omit<PutObjectCommandInput, 'Body'>,
  body: Readable,
  meter: DigestMeter,
): Promise<string | undefined> {
  const upload = new Upload({
    client,
    partSize: shape.partSize,
    queueSize: shape.queueSize,
    leavePartsOnError: false,
    params: { ...params, Body: meter },
  });
  const uploaded = upload.done().catch((e: unknown) => {
    meter.destroy(e as Error); // lib-storage stopped reading: release the body
    throw e;
  });
  const piped = new Promise<void>((ok, fail) => pipeline(body, meter, (e) => (e ? fail(e) : ok())));
  const [up, pipe] = await Promise.allSettled([uploaded, piped]);
  if (pipe.status === 'rejected') {
    body.destroy();
    throw pipe.reason;
  }
  if (up.status === 'rejected') throw up.reason;
  const versionId = up.value.VersionId;
  return versionId && versionId !== 'null' ? versionId : undefined;
}
