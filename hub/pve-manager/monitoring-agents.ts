import type { LatestSample, LatestValues } from '../fleet/latest-values.js';
import { hostInventory } from '../fleet/node-info.js';
import type { NodeView } from '../fleet/node-directory.js';
import type { VmMetrics } from './vm-metrics.js';

/** The names a reporting agent answers to: its registered node name and its host's hostname and FQDN, lower case. */
function namesOf(node: NodeView): string[] {
  const host = hostInventory(node);
  return [node.name, host?.hostname, host?.fqdn].filter((n): n is string => typeof n === 'string' && n !== '').map((n) => n.toLowerCase());
}

/**
 * The kcloud agent that reports for the host called `name` (a managed
 * server's name, a PVE node's name): a registered node of that name, or
 * whose inventory's hostname or FQDN is that name; an online one first
 * when several match. The hub does not record agents' addresses, so an IP
 * cannot match.
 */
export function agentFor(nodes: readonly NodeView[], name: string): NodeView | undefined {
  const wanted = name.toLowerCase();
  const matches = nodes.filter((n) => namesOf(n).includes(wanted));
  return matches.find((n) => n.state === 'online') ?? matches[0];
}

const pct = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;
const sum = (samples: readonly LatestSample[]) => samples.reduce((a, s) => a + s.value, 0);

/**
 * A host's current metrics from its agent's series (the host collector's
 * families, samples not older than `since`), in the seed's units: % of CPU,
 * of memory and of the disks' space, network bytes/s summed over
 * interfaces. Null when the agent has no current CPU sample (the caller
 * then asks PVE).
 */
export function agentMetrics(latest: LatestValues, agent: NodeView, since: number): VmMetrics | null {
  const where = { node: agent.name, cluster: agent.cluster };
  const [cpu] = latest.select('host_cpu_utilization_percent', where, since);
  if (!cpu) return null;
  const [memUsed] = latest.select('host_memory_used_bytes', where, since);
  const [memTotal] = latest.select('host_memory_total_bytes', where, since);
  const diskUsed = latest.select('host_disk_used_bytes', where, since);
  const diskSize = latest.select('host_disk_size_bytes', where, since);
  const rx = latest.select('host_network_rx_bytes_per_second', where, since);
  const tx = latest.select('host_network_tx_bytes_per_second', where, since);
  const all = [cpu, memUsed, memTotal, ...diskUsed, ...diskSize, ...rx, ...tx].filter((s): s is LatestSample => s !== undefined);
  return {
    cpu_usage: Math.round(cpu.value * 10) / 10,
    memory_usage: memUsed && memTotal && memTotal.value > 0 ? pct(memUsed.value, memTotal.value) : null,
    disk_usage: diskUsed.length && sum(diskSize) > 0 ? pct(sum(diskUsed), sum(diskSize)) : null,
    network_in: rx.length ? sum(rx) : null,
    network_out: tx.length ? sum(tx) : null,
    timestamp: new Date(Math.max(...all.map((s) => s.ts))).toISOString(),
  };
}
