/**
 * Counts the connections of each source address that have not
 * authenticated yet. Before authentication a connection is anyone's: it
 * holds a socket, a parser and up to `broker.limits.maxConnectSize` bytes
 * for `connectTimeout`, so one address may hold only `maxPerSource` of them
 * at a time. Authenticated connections do not count.
 */
export class UnauthenticatedGate {
  private readonly pending = new Map<string, number>();

  constructor(private readonly maxPerSource: number) {}

  /**
   * Admits a new connection from `source`: a function that gives its place
   * back (on authentication or close; calling it again does nothing), or
   * null when the source has `maxPerSource` pending already.
   */
  admit(source: string): (() => void) | null {
    const n = this.pending.get(source) ?? 0;
    if (n >= this.maxPerSource) return null;
    this.pending.set(source, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.pending.get(source) ?? 1) - 1;
      if (left > 0) this.pending.set(source, left);
      else this.pending.delete(source);
    };
  }
}
