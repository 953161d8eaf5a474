/**
 * A progress bar for CLI scripts, on stderr: redrawn in place on a terminal, one line per ~5% of
 * the work otherwise (so logs stay readable).
 */
export class ProgressBar {
  private readonly start = Date.now();
  private lastPrinted = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, detail = ''): void {
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = frac > 0 ? elapsed * (1 / frac - 1) : 0;
    const width = 24;
    const filled = Math.round(frac * width);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${(100 * frac).toFixed(0)}% ${fmt(elapsed)} elapsed, ${fmt(eta)} left ${detail}`;
    if (this.out.isTTY) {
      this.out.write(`\r${line.slice(0, (this.out.columns ?? 120) - 1)}\x1b[K`);
    } else {
      const bucket = Math.floor(frac * 20);
      if (bucket !== this.lastPrinted || done === this.total) {
        this.lastPrinted = bucket;
        this.out.write(`${line}\n`);
      }
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}

function fmt(seconds: number): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
