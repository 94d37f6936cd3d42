/**
 * Network counters from /proc/net/dev, read directly: one file read for every
 * interface. (systeminformation's networkStats('*') re-enumerates the
 * interfaces and spawns a shell running `cat` per interface on every call,
 * which on a Kubernetes node with a veth per pod costs more than all other
 * host readings together.)
 */

export interface NetCounters {
  iface: string;
  rxBytes: number;
  txBytes: number;
}

export interface NetSnapshot {
  /** Milliseconds; when the counters were read. */
  ts: number;
  counters: readonly NetCounters[];
}

export interface NetRate {
  iface: string;
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
}

/**
 * Parses /proc/net/dev: two header lines, then one line per interface,
 * 8 receive and 8 transmit columns; bytes are the first of each:
 *
 *     eth0: 197698458    8293    0    0    0     0          0         0   737858    6182    0    0    0     0       0          0
 *
 * (a large counter can touch the colon: `eth0:197698458`).
 */
export function parseNetDev(text: string): NetCounters[] {
  const out: NetCounters[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^\s:]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const cols = m[2]!.trim().split(/\s+/);
    if (cols.length < 16 || !cols.every((c) => /^\d+$/.test(c))) continue;
    out.push({ iface: m[1]!, rxBytes: Number(cols[0]), txBytes: Number(cols[8]) });
  }
  return out;
}

/**
 * Byte rates between two snapshots. An interface new in `cur`, or whose
 * counters went backwards (recreated, or a driver reset), has no rate this
 * time rather than a bogus one.
 */
export function netRates(prev: NetSnapshot, cur: NetSnapshot): NetRate[] {
  const dtSeconds = (cur.ts - prev.ts) / 1000;
  if (dtSeconds <= 0) return [];
  const before = new Map(prev.counters.map((c) => [c.iface, c]));
  const out: NetRate[] = [];
  for (const c of cur.counters) {
    const p = before.get(c.iface);
    if (!p || c.rxBytes < p.rxBytes || c.txBytes < p.txBytes) continue;
    out.push({ iface: c.iface, rxBytesPerSecond: (c.rxBytes - p.rxBytes) / dtSeconds, txBytesPerSecond: (c.txBytes - p.txBytes) / dtSeconds });
  }
  return out;
}
