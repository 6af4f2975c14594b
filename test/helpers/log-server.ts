/**
 * A static HTTP server for a log directory: GET <prefix>/<path> answers the
 * file, 404 when it is missing. Optionally requires an exact Authorization
 * header (401 otherwise) and answers chosen paths with a chosen status.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface LogServerOptions {
  /** URL path prefix without slashes at the ends, e.g. `logs/acme` (default: none). */
  readonly prefix?: string;
  /** When set, every request must carry exactly this Authorization header. */
  readonly authorization?: string;
  /** A status to answer instead of the file, by log path (e.g. `tile/0/001` -> 500). */
  readonly status?: Readonly<Record<string, number>>;
  /** Milliseconds to wait before answering, by log path (a slow network). */
  readonly delayMs?: Readonly<Record<string, number>>;
}

export interface LogServer {
  /** `http://127.0.0.1:PORT/<prefix>` (no trailing slash). */
  readonly url: string;
  /** Log paths requested, in order, with the status answered. */
  readonly requests: { path: string; status: number }[];
  close(): Promise<void>;
}

export async function serveLog(dir: string, opts: LogServerOptions = {}): Promise<LogServer> {
  const prefix = opts.prefix ? `/${opts.prefix}/` : '/';
  const requests: { path: string; status: number }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    const answer = (status: number, body: Uint8Array | string = '') => {
      requests.push({ path, status });
      res.writeHead(status, { 'content-type': 'application/octet-stream' });
      res.end(body);
    };
    if (req.method !== 'GET') return answer(405);
    if (opts.authorization !== undefined && req.headers.authorization !== opts.authorization) {
      return answer(401, 'unauthorized\n');
    }
    if (path === '' || path.split('/').some((s) => s === '' || s === '.' || s === '..')) return answer(404);
    const respond = () => {
      const forced = opts.status?.[path];
      if (forced !== undefined) return answer(forced, `forced ${forced}\n`);
      readFile(join(dir, ...path.split('/'))).then(
        (data) => answer(200, data),
        (e: NodeJS.ErrnoException) => answer(e.code === 'ENOENT' || e.code === 'EISDIR' ? 404 : 500),
      );
    };
    const delay = opts.delayMs?.[path];
    if (delay === undefined) respond();
    else setTimeout(respond, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix.replace(/\/$/, '')}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
