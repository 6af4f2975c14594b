/**
 * A progress bar on a terminal (stderr), silent elsewhere. Redraws at most
 * ten times a second and clears itself when done.
 */
export class Progress {
  #last = 0;
  readonly #start = Date.now();
  readonly #active: boolean;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly label: string,
    private readonly minTotal = 0,
  ) {
    this.#active = out.isTTY === true;
  }

  update(done: number, total: number): void {
    if (!this.#active || total < this.minTotal) return;
    const now = Date.now();
    if (now - this.#last < 100 && done < total) return;
    this.#last = now;
    const frac = total === 0 ? 1 : done / total;
    const secs = (now - this.#start) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const text = ` ${(frac * 100).toFixed(1).padStart(5)}% ${done}/${total} ${fmtRate(rate)}/s eta ${eta.toFixed(0)}s`;
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - this.label.length - text.length - 4));
    const filled = Math.round(frac * width);
    this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${text}`);
  }

  done(): void {
    if (this.#active && this.#last > 0) this.out.write('\r\x1b[K');
  }
}

function fmtRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(1)}M`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)}k`;
  return r.toFixed(0);
}
