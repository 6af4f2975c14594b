/**
 * The HTTP transport of the client: JSON and bytes over fetch, bearer
 * auth, and retries with exponential back-off and jitter for the answers
 * that say "try again" (429, 503, network failures), honouring Retry-After.
 */

/** An error answer of the Vellum API: `{error: {code, message}}` and its status. */
export class VellumApiError extends Error {
  override readonly name = 'VellumApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** Whether sending the same request later may succeed. */
  get retryable(): boolean {
    return this.status === 429 || this.status === 503 || this.status === 0;
  }
}

export interface TransportOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** An API key (`vk_...`). */
  readonly token?: string;
  /** Attempts for retryable failures (default 5). */
  readonly maxAttempts?: number;
  /** First back-off delay in ms (default 100), doubled per attempt, at most 5 s. */
  readonly backoffMs?: number;
  /** Per-request timeout in ms (default 30 s). */
  readonly timeoutMs?: number;
  /** fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

export interface RequestOptions {
  readonly method?: string;
  readonly query?: Record<string, string | number | undefined>;
  readonly json?: unknown;
  readonly body?: Uint8Array;
  readonly contentType?: string;
  /** Answer as bytes rather than JSON. */
  readonly raw?: boolean;
  /**
   * Retry a 503 'unavailable' (default true). Appends that wait for
   * publication say false: that answer then means "stored, but no
   * checkpoint yet", and a retry would append the entries again.
   */
  readonly retryUnavailable?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Transport {
  readonly base: string;
  readonly #o: TransportOptions;
  readonly #fetch: typeof fetch;

  constructor(o: TransportOptions) {
    this.#o = o;
    this.base = o.url.replace(/\/+$/, '');
    this.#fetch = o.fetch ?? fetch;
  }

  /** Headers every request carries. */
  get authHeaders(): Record<string, string> {
    return this.#o.token ? { authorization: `Bearer ${this.#o.token}` } : {};
  }

  async request<T>(path: string, r: RequestOptions = {}): Promise<T> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(r.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      ...this.authHeaders,
      accept: r.raw ? '*/*' : 'application/json',
    };
    let body: string | Uint8Array | undefined;
    if (r.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(r.json);
    } else if (r.body !== undefined) {
      headers['content-type'] = r.contentType ?? 'application/octet-stream';
      body = r.body;
    }
    const attempts = Math.max(1, this.#o.maxAttempts ?? 5);
    let delay = this.#o.backoffMs ?? 100;
    for (let attempt = 1; ; attempt++) {
      let err: VellumApiError;
      let retryAfterMs: number | undefined;
      try {
        const res = await this.#fetch(url, {
          method: r.method ?? (body !== undefined ? 'POST' : 'GET'),
          headers,
          ...(body !== undefined ? { body } : {}),
          signal: AbortSignal.timeout(this.#o.timeoutMs ?? 30_000),
        });
        if (res.ok) {
          if (r.raw) return new Uint8Array(await res.arrayBuffer()) as T;
          const text = await res.text();
          return (text ? JSON.parse(text) : undefined) as T;
        }
        const text = await res.text();
        let code = `http-${res.status}`;
        let message = text.slice(0, 500) || res.statusText;
        try {
          const e = JSON.parse(text) as { error?: { code?: string; message?: string } };
          if (e.error?.code) code = e.error.code;
          if (e.error?.message) message = e.error.message;
        } catch {}
        err = new VellumApiError(res.status, code, message);
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra >= 0) retryAfterMs = ra * 1000;
      } catch (e) {
        if (e instanceof SyntaxError)
          throw new VellumApiError(0, 'bad-response', `the server sent malformed JSON: ${e.message}`);
        err = new VellumApiError(0, 'network', `cannot reach ${this.base}: ${(e as Error).message}`);
      }
      const storedAnyway = r.retryUnavailable === false && err.code === 'unavailable';
      if (!err.retryable || storedAnyway || attempt >= attempts) throw err;
      const wait = Math.min(5000, retryAfterMs ?? delay) * (0.5 + Math.random() / 2);
      await sleep(wait);
      delay = Math.min(5000, delay * 2);
    }
  }
}
