/** A LogSource over HTTP(S): GET <prefix>/<path>, 404 meaning absent. */
import type { LogSource } from '../log-source.js';

export class HttpLogSource implements LogSource {
  readonly #prefix: string;

  constructor(
    readonly location: string,
    private readonly headers: Record<string, string> = {},
    private readonly timeoutMs = 60_000,
  ) {
    this.#prefix = location.replace(/\/+$/, '');
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const url = `${this.#prefix}/${path}`;
    const res = await fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`GET ${url}: HTTP ${res.status}`);
    }
    return new Uint8Array(await res.arrayBuffer());
  }
}
