/**
 * The node's inventory, merged from every collector's facts. Each collector
 * owns the keys it reports (`host`, `gpus`, `bmc`, `rapl`); a new report from
 * a collector replaces all of its keys, so a fact it stops reporting (a GPU
 * that fell off the bus) disappears instead of lingering.
 */
export class Inventory {
  private readonly bySource = new Map<string, Record<string, unknown>>();

  /** Replaces `source`'s facts; true when the merged inventory changed. */
  set(source: string, facts: Record<string, unknown>): boolean {
    const before = JSON.stringify(this.merged());
    this.bySource.set(source, structuredClone(facts));
    return JSON.stringify(this.merged()) !== before;
  }

  /** Every source's facts in one object, in the order the sources first reported. */
  merged(): Record<string, unknown> {
    return Object.assign({}, ...this.bySource.values()) as Record<string, unknown>;
  }
}
