/**
 * A token bucket per caller (API key, or client address when anonymous):
 * `burst` requests at once, refilled at `perSecond`. A request finding
 * the bucket empty is answered 429 with Retry-After (whole seconds).
 * Buckets that have refilled completely are forgotten, so memory stays
 * bounded by the callers active in the last `burst / perSecond` seconds.
 */

export interface RateLimitOptions {
  /** Requests a caller may make at once (default 200). */
  readonly burst?: number;
  /** Sustained requests per second per caller (default 100). */
  readonly perSecond?: number;
  /** Seconds, monotonic (tests inject a clock). */
  readonly clock?: () => number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #burst: number;
  readonly #rate: number;
  readonly #clock: () => number;

  constructor(o: RateLimitOptions = {}) {
    this.#burst = o.burst ?? 200;
    this.#rate = o.perSecond ?? 100;
    this.#clock = o.clock ?? (() => performance.now() / 1000);
    if (!(this.#burst >= 1 && this.#rate > 0))
      throw new RangeError('rate limit: burst >= 1 and perSecond > 0');
  }

  /** Takes one token of `caller`'s bucket: undefined if there was one, else seconds to wait. */
  take(caller: string): number | undefined {
    const now = this.#clock();
    const b = this.#buckets.get(caller) ?? { tokens: this.#burst, at: now };
    b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#rate);
    b.at = now;
    if (this.#buckets.size > 10_000) this.#sweep(now);
    if (b.tokens < 1) {
      this.#buckets.set(caller, b);
      return Math.max(1, Math.ceil((1 - b.tokens) / this.#rate));
    }
    b.tokens -= 1;
    this.#buckets.set(caller, b);
    return undefined;
  }

  #sweep(now: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#rate >= this.#burst) this.#buckets.delete(k);
    }
  }
}
