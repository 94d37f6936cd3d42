/**
 * Counts how often each key comes up in a fixed window: the first
 * `perWindow` of a window pass, the rest are only counted. Used to keep a
 * repeated log line (a broken agent every second, refused connections
 * under attack) from flooding the journal while still saying how many
 * were left out. Keys may come from the network, so their number is
 * bounded: past `maxKeys` the oldest windows are forgotten.
 */
export class RepeatWindows {
  private readonly windows = new Map<string, { start: number; passed: number; suppressed: number }>();

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /**
   * One occurrence of `key`. `pass`: log it. `suppressedBefore`: when this
   * occurrence opened a new window, how many the key's previous window left
   * out (to be reported now), else 0.
   */
  hit(key: string): { pass: boolean; suppressedBefore: number } {
    const t = this.now();
    let w = this.windows.get(key);
    let suppressedBefore = 0;
    if (!w || t - w.start >= this.windowMs) {
      suppressedBefore = w?.suppressed ?? 0;
      if (w) this.windows.delete(key);
      else if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      w = { start: t, passed: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    if (w.passed >= this.perWindow) {
      w.suppressed += 1;
      return { pass: false, suppressedBefore };
    }
    w.passed += 1;
    return { pass: true, suppressedBefore };
  }
}
