/** Bootstrapping a bucket (tests, first deployment): create it, with Object Lock when asked. */
import { CreateBucketCommand, GetObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { StorageError } from '../errors.js';
import { isNoLockConfig, s3Code, s3Failure } from './s3-errors.js';

/**
 * Creates `bucket`. With `objectLock`, S3 Object Lock is enabled (which also
 * turns versioning on; neither can be turned off later). No default
 * retention is set: every version gets the retention its put asks for. An
 * existing bucket of ours is accepted when its Object Lock state matches.
 */
export async function createBucket(
  client: S3Client,
  bucket: string,
  options: { objectLock: boolean; region?: string },
): Promise<void> {
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(options.objectLock && { ObjectLockEnabledForBucket: true }),
        ...(options.region &&
          options.region !== 'us-east-1' && {
            CreateBucketConfiguration: { LocationConstraint: options.region as never },
          }),
      }),
    );
    return;
  } catch (e) {
    if (s3Code(e) !== 'BucketAlreadyOwnedByYou') throw s3Failure(`creating bucket ${bucket}`, e);
  }
  if ((await bucketObjectLock(client, bucket)) !== options.objectLock)
    throw new StorageError(
      'invalid-argument',
      `bucket ${bucket} exists with Object Lock ${options.objectLock ? 'disabled' : 'enabled'}`,
    );
}

/** Whether the bucket has Object Lock enabled. */
export async function bucketObjectLock(client: S3Client, bucket: string): Promise<boolean> {
  try {
    const r = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    return r.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (e) {
    if (isNoLockConfig(e)) return false;
    throw s3Failure(`reading the Object Lock configuration of ${bucket}`, e);
  }
}
