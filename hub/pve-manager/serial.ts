/**
 * Runs functions one after another per key (clones of one template, VMID
 * allocation on one cluster): PVE locks a template while it is cloned and a
 * second clone fails, and two `nextid` calls before either clone exists
 * answer the same id.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/** Runs `fn` on every item, at most `parallelism` at once; resolves when all have settled. */
export async function forEachLimited<T>(items: readonly T[], parallelism: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, items.length) }, worker));
}
