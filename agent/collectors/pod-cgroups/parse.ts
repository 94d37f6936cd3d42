/**
 * Pure parsers for the kubelet's pod cgroups (cgroup v2, and v1's cpuacct and
 * memory hierarchies, which repeat the same tree). Directory names, as
 * the kubelet's cgroup manager makes them (pkg/kubelet/cm/cgroup_manager_linux.go):
 *   systemd driver:  kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6b3a1f3c_7d2e_4f1a_9c0b_1234567890ab.slice
 *                    kubepods.slice/kubepods-pod<uid_>.slice           (Guaranteed: no QoS level)
 *   cgroupfs driver: kubepods/besteffort/pod6b3a1f3c-7d2e-4f1a-9c0b-1234567890ab
 *                    kubepods/pod<uid>                                  (Guaranteed)
 * The systemd driver writes the UID's dashes as underscores ("-" separates
 * slice levels); both come out with dashes, as the API server spells it.
 */
export type Qos = 'guaranteed' | 'burstable' | 'besteffort';
export type CgroupDriver = 'systemd' | 'cgroupfs';

/** The directory the kubelet puts every pod under, per driver. */
export const KUBEPODS_DIR: Record<CgroupDriver, string> = { systemd: 'kubepods.slice', cgroupfs: 'kubepods' };

const UID = '([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})';
const SYSTEMD_POD = new RegExp(`^kubepods(?:-(burstable|besteffort))?-pod${UID}\\.slice$`);
const SYSTEMD_QOS = /^kubepods-(burstable|besteffort)\.slice$/;
const CGROUPFS_POD = new RegExp(`^pod${UID}$`);
const CGROUPFS_QOS = /^(burstable|besteffort)$/;

/** What a directory below kubepods is: a QoS level, a pod (with its UID and QoS), or neither (null). */
export type KubepodsEntry = { kind: 'qos'; qos: Qos } | { kind: 'pod'; uid: string; qos: Qos } | null;

/**
 * Classifies one directory name. `parentQos` is the QoS level directory it
 * sits in (null: right under kubepods, where Guaranteed pods are); the
 * cgroupfs driver's pod names do not carry their QoS, the systemd ones do.
 */
export function classifyEntry(driver: CgroupDriver, name: string, parentQos: Qos | null): KubepodsEntry {
  if (driver === 'systemd') {
    const pod = SYSTEMD_POD.exec(name);
    if (pod) {
      const qos = (pod[1] as Qos | undefined) ?? 'guaranteed';
      // A pod slice whose name says another level than its parent's is not the kubelet's.
      if (qos !== (parentQos ?? 'guaranteed')) return null;
      return { kind: 'pod', uid: pod[2]!.replaceAll('_', '-'), qos };
    }
    const level = parentQos === null ? SYSTEMD_QOS.exec(name) : null;
    return level ? { kind: 'qos', qos: level[1] as Qos } : null;
  }
  const pod = CGROUPFS_POD.exec(name);
  if (pod) return { kind: 'pod', uid: pod[1]!.replaceAll('_', '-'), qos: parentQos ?? 'guaranteed' };
  const level = parentQos === null ? CGROUPFS_QOS.exec(name) : null;
  return level ? { kind: 'qos', qos: level[1] as Qos } : null;
}

function unsigned(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${what}: expected an unsigned integer, got ${JSON.stringify(text.slice(0, 40))}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`${what}: ${text} is beyond 2^53`);
  return n;
}

/**
 * `usage_usec` of a v2 `cpu.stat` (CPU time of every task in the cgroup and
 * its children, µs, a counter since the cgroup was made). Its first lines:
 *   usage_usec 1634578
 *   user_usec 1143270
 *   system_usec 491308
 */
export function parseCpuStatUsageUsec(text: string): number {
  const line = /^usage_usec (\S+)$/m.exec(text);
  if (!line) throw new Error('cpu.stat: no usage_usec line');
  return unsigned(line[1]!, 'cpu.stat usage_usec');
}

/** A v2 `memory.current` or v1 `memory.usage_in_bytes` ("104857600\n"): bytes charged to the cgroup, page cache included. */
export function parseMemoryCurrent(text: string, file = 'memory.current'): number {
  return unsigned(text.trim(), file);
}

/**
 * A v1 `cpuacct.usage` ("1634578123456\n": CPU time in ns) as µs, like v2's
 * usage_usec. Read as a BigInt: 2^53 ns is only 104 days of CPU time, which
 * a pod on 10 cores uses in 10.
 */
export function parseCpuacctUsageUsec(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new Error(`cpuacct.usage: expected an unsigned integer, got ${JSON.stringify(t.slice(0, 40))}`);
  return Number(BigInt(t) / 1000n);
}
