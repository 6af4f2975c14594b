/**
 * What every BlobStore driver does to a byte stream: count it, hash it,
 * and stop it at the caller's limits (the put contract of blob-store.ts),
 * plus the checks of put options and byte ranges the drivers share.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { isSha256Hex } from './blob-key.js';
import type { BlobSource, ByteRange, PutBlobOptions } from './blob-store.js';
import { StorageError, type StorageErrorCode } from './errors.js';

export interface MeterLimits {
  /** Exact length expected. */
  size?: number;
  /** Most bytes accepted. */
  maxBytes?: number;
  /** Lowercase hex SHA-256 expected. */
  expectSha256?: string;
  /** The code for a wrong length or digest: 'size-mismatch'/'digest-mismatch' on put, 'corrupt' on get. */
  mismatch?: 'corrupt';
  /** Runs at the end with the counted size and digest, before the stream ends; may throw. */
  atEnd?: (size: number, sha256: string) => void | Promise<void>;
}

/**
 * A pass-through that counts and hashes the bytes. It errors as soon as the
 * count passes `maxBytes` or `size`, and at the end when the length or digest
 * is wrong, before it ends: a consumer that only commits after the end
 * (a rename, CompleteMultipartUpload) never commits a bad body.
 */
export class DigestMeter extends Transform {
  #hash: Hash = createHash('sha256');
  #bytes = 0;
  #sha256: string | undefined;

  constructor(readonly limits: MeterLimits = {}) {
    // Room for a few chunks on each side, so reading, hashing and writing overlap,
    // without holding megabytes per stream (measured: larger buys no speed).
    super({ highWaterMark: 256 << 10 });
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The digest, once the stream has ended. */
  get sha256(): string {
    if (this.#sha256 === undefined) throw new Error('DigestMeter: digest read before the end');
    return this.#sha256;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.byteLength;
    const { maxBytes, size } = this.limits;
    if (maxBytes !== undefined && this.#bytes > maxBytes) {
      done(new StorageError('too-large', `the blob is longer than the limit of ${maxBytes} bytes`));
    } else if (size !== undefined && this.#bytes > size) {
      done(this.#mismatch('size', `the blob is longer than the declared ${size} bytes`));
    } else {
      this.#hash.update(chunk);
      done(null, chunk);
    }
  }

  override _flush(done: TransformCallback): void {
    const sha256 = this.#hash.digest('hex');
    const { size, expectSha256, atEnd } = this.limits;
    if (size !== undefined && this.#bytes !== size) {
      done(this.#mismatch('size', `the blob has ${this.#bytes} bytes, not the declared ${size}`));
      return;
    }
    if (expectSha256 !== undefined && sha256 !== expectSha256) {
      done(this.#mismatch('digest', `the blob's SHA-256 is ${sha256}, not the expected ${expectSha256}`));
      return;
    }
    this.#sha256 = sha256;
    if (!atEnd) {
      done();
      return;
    }
    Promise.resolve()
      .then(() => atEnd(this.#bytes, sha256))
      .then(
        () => done(),
        (e: unknown) => done(e as Error),
      );
  }

  #mismatch(what: 'size' | 'digest', message: string): StorageError {
    const code: StorageErrorCode =
      this.limits.mismatch ?? (what === 'size' ? 'size-mismatch' : 'digest-mismatch');
    return new StorageError(code, code === 'corrupt' ? `stored bytes are damaged: ${message}` : message);
  }
}

/**
 * A put's body: a Readable over the caller's source that records the
 * source's own failure (so a put can pass it through unchanged) and, for a
 * Readable source, listens for errors from the moment the put takes it (an
 * error while the put waits for a lock or a HEAD is kept, not thrown as an
 * unhandled 'error' event). When the put stops reading early, the source's
 * iterator is returned, which destroys a Readable source without an error.
 */
export class PutBody {
  readonly stream: Readable;
  #failure: { error: unknown } | undefined;
  readonly #release: () => void;

  constructor(source: BlobSource) {
    if (source == null || typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function')
      throw new StorageError('invalid-argument', 'a blob source must be a byte stream');
    const fail = (error: unknown) => {
      this.#failure ??= { error };
    };
    if (source instanceof Readable) {
      source.on('error', fail);
      this.#release = () => source.off('error', fail);
    } else {
      this.#release = () => {};
    }
    async function* pull(): AsyncGenerator<Uint8Array> {
      const it = source[Symbol.asyncIterator]();
      let finished = false;
      try {
        for (;;) {
          let r: IteratorResult<Uint8Array>;
          try {
            r = await it.next();
          } catch (e) {
            fail(e);
            throw e;
          }
          if (r.done) {
            finished = true;
            return;
          }
          yield r.value; // an error injected here is the put's, not the source's
        }
      } finally {
        if (!finished) await it.return?.();
      }
    }
    this.stream = Readable.from(pull(), { objectMode: false });
  }

  /** The error the caller's source raised, if it did. */
  get failure(): { error: unknown } | undefined {
    return this.#failure;
  }

  /** Stops listening to the source (when the put is over). */
  release(): void {
    this.#release();
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * Checks put options before any I/O; returns the meter limits. A declared
 * size above maxBytes is 'too-large' at once, without reading the body.
 */
export function checkPutOptions(options: PutBlobOptions): MeterLimits {
  const { size, maxBytes, expectSha256, retainUntil, contentType } = options;
  if (size !== undefined && !isCount(size)) throw invalid('size must be a non-negative safe integer');
  if (maxBytes !== undefined && !isCount(maxBytes))
    throw invalid('maxBytes must be a non-negative safe integer');
  if (expectSha256 !== undefined && !isSha256Hex(expectSha256))
    throw invalid('expectSha256 must be 64 lowercase hex digits');
  if (retainUntil !== undefined && !(retainUntil instanceof Date && Number.isFinite(retainUntil.getTime())))
    throw invalid('retainUntil must be a valid Date');
  if (contentType !== undefined && !/^[\x21-\x7e][\x20-\x7e]{0,254}$/.test(contentType))
    throw invalid('contentType must be printable ASCII, at most 255 characters');
  if (size !== undefined && maxBytes !== undefined && size > maxBytes)
    throw new StorageError('too-large', `the declared size ${size} is over the limit of ${maxBytes} bytes`);
  return {
    ...(size !== undefined && { size }),
    ...(maxBytes !== undefined && { maxBytes }),
    ...(expectSha256 !== undefined && { expectSha256 }),
  };
}

/** Checks the shape of a range (the driver checks it against the size). */
export function checkRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  if (!isCount(range.start))
    throw new StorageError('bad-range', 'a range start must be a non-negative integer');
  if (range.end !== undefined && !(isCount(range.end) && range.end >= range.start))
    throw new StorageError('bad-range', 'a range end must be an integer at or after its start');
}

/** The inclusive range actually served for an object of `size` bytes; 'bad-range' when it starts past the end. */
export function clampRange(range: ByteRange, size: number): { start: number; end: number } {
  checkRange(range);
  if (range.start >= size)
    throw new StorageError('bad-range', `range start ${range.start} is past the end of a ${size}-byte blob`);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

export function invalid(message: string): StorageError {
  return new StorageError('invalid-argument', message);
}
