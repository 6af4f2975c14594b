/**
 * A `multipart/form-data` upload of one file (RFC 7578), streamed: the
 * form fields that come before the file part are read (small, bounded),
 * the file part's bytes are handed on as a stream as they arrive, and the
 * stream ends only when the whole body has been parsed and found well
 * formed. So a body that breaks off, carries a second file, or puts fields
 * after the file errors the stream before its end: whatever consumes it
 * stores nothing (the blob store commits only at a clean end).
 *
 * The browser-form convention: fields first, then the file part,
 *
 *   --b
 *   Content-Disposition: form-data; name="path"
 *
 *   reports/report.md
 *   --b
 *   Content-Disposition: form-data; name="file"; filename="report.md"
 *   Content-Type: text/markdown
 *
 *   <bytes>
 *   --b--
 */
import { PassThrough, type Readable } from 'node:stream';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { HttpError } from './errors.js';

export interface MultipartFile {
  /** The text fields sent before the file part. */
  readonly fields: Readonly<Record<string, string>>;
  /** The part's file name (as sent, without directories), or ''. */
  readonly fileName: string;
  /** The part's Content-Type, or ''. */
  readonly mediaType: string;
  /** The file's bytes; errors (HttpError 'bad-request') unless the whole body is well formed. */
  readonly stream: Readable;
}

export interface MultipartLimits {
  /** Field names the form may carry (others are 'bad-request'). */
  readonly fields: readonly string[];
  /** Longest field value in bytes (default 2048). */
  readonly fieldBytes?: number;
}

/**
 * Reads `body` (the raw request) as multipart/form-data up to its first
 * file part. Rejects with 'bad-request' when the form is malformed, names
 * an unknown field, or ends without a file. On rejection the caller must
 * drain or destroy `body`.
 */
export function readMultipartFile(
  body: Readable,
  headers: Record<string, string | string[] | undefined>,
  limits: MultipartLimits,
): Promise<MultipartFile> {
  const contentType = headers['content-type'];
  if (typeof contentType !== 'string')
    throw new HttpError('bad-request', 'multipart upload without Content-Type');
  let parser: ReturnType<typeof Busboy>;
  try {
    parser = Busboy({
      headers: { 'content-type': contentType },
      limits: {
        fields: limits.fields.length,
        fieldNameSize: 100,
        fieldSize: limits.fieldBytes ?? 2048,
        files: 1,
        parts: limits.fields.length + 1,
        headerPairs: 20,
      },
    });
  } catch (e) {
    throw new HttpError('bad-request', `not a multipart/form-data body: ${(e as Error).message}`);
  }

  return new Promise<MultipartFile>((resolve, reject) => {
    const fields: Record<string, string> = {};
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    // The consumer sees the error through its own pipeline; a refused upload may never read `out` at all.
    out.on('error', () => {});
    let file: BusboyFileStream | undefined;
    let fileEnded = false;
    let finished = false;
    let failed: HttpError | undefined;

    const fail = (message: string) => {
      if (failed) return;
      failed = new HttpError('bad-request', message);
      body.unpipe(parser);
      if (file) {
        file.unpipe(out);
        file.resume();
        out.destroy(failed);
      } else reject(failed);
    };
    const maybeEnd = () => {
      if (fileEnded && finished && !failed) out.end();
    };

    parser.on(
      'field',
      (rawName: unknown, rawValue: unknown, nameTruncated: boolean, valueTruncated: boolean) => {
        // A mangled part header can leave the name (or value) undefined.
        if (typeof rawName !== 'string' || typeof rawValue !== 'string')
          return fail('a form field without a name');
        const name = rawName;
        const value = rawValue;
        if (file)
          return fail(
            `form field ${JSON.stringify(name.slice(0, 100))} comes after the file: send fields first`,
          );
        if (!limits.fields.includes(name))
          return fail(
            `unknown form field ${JSON.stringify(name.slice(0, 100))}: expected ${limits.fields.join(', ')}, then the file`,
          );
        if (nameTruncated || valueTruncated) return fail(`form field ${name} is too long`);
        if (name in fields) return fail(`form field ${name} is sent twice`);
        fields[name] = value;
      },
    );
    parser.on(
      'file',
      (_name: string, stream: BusboyFileStream, fileName: string, _enc: string, mimeType: string) => {
        if (file || failed) {
          stream.on('error', () => {});
          stream.resume();
          return fail('a multipart upload carries one file');
        }
        file = stream;
        stream.on('error', (e: Error) => fail(`malformed multipart body: ${e.message}`));
        stream.on('end', () => {
          fileEnded = true;
          maybeEnd();
        });
        stream.pipe(out, { end: false });
        resolve({ fields, fileName: fileName ?? '', mediaType: mimeType ?? '', stream: out });
      },
    );
    parser.on('filesLimit', () => fail('a multipart upload carries one file'));
    parser.on('fieldsLimit', () =>
      fail(`too many form fields: expected ${limits.fields.join(', ')}, then the file`),
    );
    parser.on('partsLimit', () => fail('too many parts in the form'));
    parser.on('error', (e: unknown) =>
      fail(`malformed multipart body: ${e instanceof Error ? e.message : String(e)}`),
    );
    parser.on('finish', () => {
      finished = true;
      if (!file) return fail('the form has no file part');
      if (!fileEnded) return fail('the multipart body ended inside the file');
      maybeEnd();
    });
    body.on('error', (e) => fail(`the upload broke off: ${e.message}`));
    body.on('close', () => {
      if (!body.readableEnded) fail('the upload broke off');
    });
    body.pipe(parser);
  });
}
