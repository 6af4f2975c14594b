/**
 * Where an S3 BlobStore connects, read from the environment or mounted
 * secret files, never from a request body, and the S3 client built from it.
 *
 *   S3_BUCKET (required)        S3_PREFIX (keys under it, ends with '/')
 *   S3_ENDPOINT                 (absent: AWS S3); S3_FORCE_PATH_STYLE=true|false
 *   S3_REGION or AWS_REGION     (default us-east-1)
 *   S3_ACCESS_KEY / S3_SECRET_KEY, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 *   (+ AWS_SESSION_TOKEN); each also as <NAME>_FILE naming a file that holds it.
 *   Without keys, the AWS SDK's default chain (instance role, profile) is used.
 *   S3_RETENTION_MODE=GOVERNANCE|COMPLIANCE (Object Lock buckets; default GOVERNANCE)
 */
import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { isValidBlobKey } from '../blob-key.js';
import type { RetentionMode } from '../blob-store.js';
import { StorageError } from '../errors.js';

export interface S3BlobStoreConfig {
  bucket: string;
  region: string;
  /** http(s) URL of an S3-compatible endpoint (Ceph RGW, MinIO); absent for AWS S3. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`); Ceph RGW needs them. */
  forcePathStyle: boolean;
  /** Prefix of every object key (empty, or ending with '/'). */
  prefix: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** The mode of every version written to an Object Lock bucket. */
  retentionMode: RetentionMode;
  /** Multipart part size in bytes (at least 5 MiB; default 8 MiB). */
  partSize: number;
  /** Parts uploaded at once; memory per put is about queueSize x partSize. */
  queueSize: number;
}

type Env = Record<string, string | undefined>;

/** Reads the configuration from `env` (process.env by default); 'invalid-argument' names what is wrong. */
export function s3ConfigFromEnv(env: Env = process.env): S3BlobStoreConfig {
  const bucket = env.S3_BUCKET;
  if (!bucket) throw bad('S3_BUCKET is not set');
  const endpoint = env.S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || undefined;
  const pathStyle = env.S3_FORCE_PATH_STYLE;
  if (pathStyle !== undefined && pathStyle !== 'true' && pathStyle !== 'false')
    throw bad('S3_FORCE_PATH_STYLE must be true or false');
  const mode = env.S3_RETENTION_MODE ?? 'GOVERNANCE';
  if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE')
    throw bad('S3_RETENTION_MODE must be GOVERNANCE or COMPLIANCE');
  const accessKeyId = secret(env, 'S3_ACCESS_KEY') ?? secret(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = secret(env, 'S3_SECRET_KEY') ?? secret(env, 'AWS_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    throw bad('an S3 access key needs its secret key, and the other way round');
  const sessionToken = secret(env, 'AWS_SESSION_TOKEN');
  return checkS3Config({
    bucket,
    region: env.S3_REGION || env.AWS_REGION || 'us-east-1',
    ...(endpoint && { endpoint }),
    forcePathStyle: pathStyle === undefined ? endpoint !== undefined : pathStyle === 'true',
    prefix: env.S3_PREFIX ?? '',
    ...(accessKeyId &&
      secretAccessKey && {
        credentials: { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) },
      }),
    retentionMode: mode,
    partSize: 8 << 20,
    queueSize: 4,
  });
}

/** Checks a configuration built in code; returns it. */
export function checkS3Config(config: S3BlobStoreConfig): S3BlobStoreConfig {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(config.bucket))
    throw bad(`invalid bucket name ${config.bucket}`);
  if (config.endpoint !== undefined && !/^https?:\/\/[^/?#\s]+\/?$/.test(config.endpoint))
    throw bad('the S3 endpoint must be an http(s) URL without a path');
  if (config.prefix !== '' && !(config.prefix.endsWith('/') && isValidBlobKey(config.prefix.slice(0, -1))))
    throw bad('S3_PREFIX must be empty or a valid key ending with /');
  if (!Number.isSafeInteger(config.partSize) || config.partSize < 5 << 20 || config.partSize > 5 << 30)
    throw bad('partSize must be between 5 MiB and 5 GiB');
  if (!Number.isSafeInteger(config.queueSize) || config.queueSize < 1 || config.queueSize > 64)
    throw bad('queueSize must be between 1 and 64');
  return config;
}

/**
 * The S3 client for a configuration. Checksums only where an operation
 * requires one: Ceph RGW 16 answers aws-chunked streaming uploads (the SDK's
 * default trailing checksums) with 411, and it does not check
 * x-amz-checksum-sha256 anyway; Vellum hashes the bytes itself.
 */
export function createS3Client(config: S3BlobStoreConfig): S3Client {
  return new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.endpoint && { endpoint: config.endpoint }),
    ...(config.credentials && { credentials: config.credentials }),
  });
}

/** `NAME` or the trimmed contents of the file `NAME_FILE`; both set is an error. */
function secret(env: Env, name: string): string | undefined {
  const value = env[name] || undefined;
  const file = env[`${name}_FILE`] || undefined;
  if (value !== undefined && file !== undefined) throw bad(`both ${name} and ${name}_FILE are set`);
  if (file === undefined) return value;
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (!text) throw bad(`${name}_FILE names an empty file`);
    return text;
  } catch (e) {
    if (e instanceof StorageError) throw e;
    throw bad(`cannot read ${name}_FILE: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const bad = (message: string) => new StorageError('invalid-argument', message);
