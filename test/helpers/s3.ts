/**
 * The S3 endpoint for tests: S3_ENDPOINT etc. from the environment (.ci/run
 * starts Ceph RGW with scripts/ceph-rgw.sh and exports them); with
 * VELLUM_START_RGW=1 and no endpoint, the tests start it themselves. Without
 * either the S3 tests skip visibly, unless VELLUM_REQUIRE_S3=1, where they fail.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutObjectLegalHoldCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { repoRoot } from './reference-tools.js';

// The SDK warns once per process that releases after January 2027 will need
// Node 22 (docs/blob-store.md); in test output that is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type S3Env = Record<'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY' | 'S3_SECRET_KEY', string> & {
  S3_FORCE_PATH_STYLE?: string;
};

export function requireS3(): boolean {
  return process.env.VELLUM_REQUIRE_S3 === '1';
}

/** The endpoint settings, or why there are none. */
export async function s3TestEnv(): Promise<{ env: S3Env } | { missing: string }> {
  let vars: Record<string, string | undefined> = process.env;
  if (!vars.S3_ENDPOINT && process.env.VELLUM_START_RGW === '1') {
    try {
      const { stdout } = await promisify(execFile)(join(repoRoot, 'scripts/ceph-rgw.sh'), ['up'], {
        timeout: 600_000,
        maxBuffer: 1 << 20,
      });
      vars = Object.fromEntries(
        stdout
          .split('\n')
          .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l))
          .filter((m) => m !== null)
          .map((m) => [m[1]!, m[2]!]),
      );
    } catch (e) {
      return {
        missing: `scripts/ceph-rgw.sh up failed: ${(e as Error).message.split('\n').slice(-3).join(' ')}`,
      };
    }
  }
  const { S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY, S3_SECRET_KEY, S3_FORCE_PATH_STYLE } = vars;
  if (!S3_ENDPOINT || !S3_ACCESS_KEY || !S3_SECRET_KEY)
    return {
      missing:
        'no S3 endpoint: set S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY (eval "$(scripts/ceph-rgw.sh up)") or VELLUM_START_RGW=1',
    };
  return {
    env: {
      S3_ENDPOINT,
      S3_REGION: S3_REGION || 'us-east-1',
      S3_ACCESS_KEY,
      S3_SECRET_KEY,
      ...(S3_FORCE_PATH_STYLE && { S3_FORCE_PATH_STYLE }),
    },
  };
}

/** A bucket name no earlier run used. */
export function freshBucketName(tag: string): string {
  return `vellum-${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Removes every version and delete marker under `prefix`, releasing legal
 * holds and bypassing GOVERNANCE retention. COMPLIANCE versions are retried
 * until `waitMs` runs out (tests give them retention of a few seconds).
 */
export async function purge(client: S3Client, bucket: string, prefix = '', waitMs = 15_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const left: string[] = [];
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
    const all = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
    for (const v of all) {
      const target = { Bucket: bucket, Key: v.Key!, VersionId: v.VersionId! };
      await client
        .send(new PutObjectLegalHoldCommand({ ...target, LegalHold: { Status: 'OFF' } }))
        .catch(() => {});
      try {
        await client.send(new DeleteObjectCommand({ ...target, BypassGovernanceRetention: true }));
      } catch {
        left.push(`${v.Key}@${v.VersionId}`);
      }
    }
    if (left.length === 0 && !page.IsTruncated) return;
    if (Date.now() > deadline) throw new Error(`could not delete ${left.join(', ')}`);
    await new Promise((r) => setTimeout(r, left.length ? 500 : 0));
  }
}

/** Incomplete multipart uploads under `prefix` (an aborted upload leaves none). */
export async function pendingUploads(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const r = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (r.Uploads ?? []).map((u) => `${u.Key}:${u.UploadId}`);
}

/** Empties and deletes the bucket. */
export async function destroyBucket(client: S3Client, bucket: string): Promise<void> {
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const u of uploads.Uploads ?? [])
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }),
    );
  await purge(client, bucket, '', 30_000);
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
