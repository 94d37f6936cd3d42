/**
 * Groups the rows a looping tool prints in bursts (`nvidia-smi -lms`, `dcgmi
 * dmon`: one row per GPU per loop) into one set per loop. A row whose key was
 * already seen in the open set closes it, and so does a pause after the last
 * row (the last loop before a stall or exit must not wait for the next one).
 */
export class RowSets<T> {
  private pending: T[] = [];
  private keys = new Set<string>();
  private firstAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly key: (row: T) => string,
    private readonly pauseMs: number,
    /** Gets the set and when its first row arrived. */
    private readonly onSet: (rows: T[], firstAt: number) => void,
  ) {}

  push(row: T): void {
    const k = this.key(row);
    if (this.keys.has(k)) this.flush();
    if (this.pending.length === 0) this.firstAt = Date.now();
    this.pending.push(row);
    this.keys.add(k);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.pauseMs);
  }

  /** Delivers the open set now (on pause, on a repeated key, when the process exits). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.keys = new Set();
    this.onSet(rows, this.firstAt);
  }
}
