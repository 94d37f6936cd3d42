import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupDriver, Qos } from '../../../../agent/collectors/pod-cgroups/parse.js';

/** A pod of a fake tree: its UID, QoS class, CPU µs and memory bytes. */
export interface FakePod {
  uid: string;
  qos: Qos;
  usageUsec: number;
  memoryBytes: number;
}

const CONTAINER = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

/** The pod's directory below the cgroup root, as the kubelet names it under each driver. */
export function podPath(driver: CgroupDriver, pod: Pick<FakePod, 'uid' | 'qos'>): string {
  if (driver === 'cgroupfs') return pod.qos === 'guaranteed' ? `kubepods/pod${pod.uid}` : `kubepods/${pod.qos}/pod${pod.uid}`;
  const uid = pod.uid.replaceAll('-', '_');
  return pod.qos === 'guaranteed' ? `kubepods.slice/kubepods-pod${uid}.slice` : `kubepods.slice/kubepods-${pod.qos}.slice/kubepods-${pod.qos}-pod${uid}.slice`;
}

/**
 * Writes a pod's cpu.stat and memory.current (the kernel's layout: cpu.stat's
 * first lines, memory.current a number); on v1 cpuacct.usage (ns) in the
 * cpu,cpuacct hierarchy and memory.usage_in_bytes in the memory one.
 */
export function setUsage(root: string, driver: CgroupDriver, pod: FakePod, version: 1 | 2 = 2): void {
  if (version === 1) {
    const cpu = join(root, 'cpu,cpuacct', podPath(driver, pod));
    const memory = join(root, 'memory', podPath(driver, pod));
    mkdirSync(cpu, { recursive: true });
    mkdirSync(memory, { recursive: true });
    writeFileSync(join(cpu, 'cpuacct.usage'), `${BigInt(pod.usageUsec) * 1000n}\n`);
    writeFileSync(join(memory, 'memory.usage_in_bytes'), `${pod.memoryBytes}\n`);
    return;
  }
  const dir = join(root, podPath(driver, pod));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cpu.stat'), `usage_usec ${pod.usageUsec}\nuser_usec ${Math.floor(pod.usageUsec / 2)}\nsystem_usec ${Math.ceil(pod.usageUsec / 2)}\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n`);
  writeFileSync(join(dir, 'memory.current'), `${pod.memoryBytes}\n`);
}

/**
 * A cgroup v2 root in a temp dir with the kubelet's tree for `driver`: the
 * pods, a container cgroup inside each (not a pod), the QoS levels' and
 * kubepods' own files, and cgroups that are not the kubelet's (system.slice).
 */
export function fakeCgroupRoot(driver: CgroupDriver, pods: readonly FakePod[], version: 1 | 2 = 2): string {
  const root = mkdtempSync(join(tmpdir(), `kcloud-cgroup-${driver}-`));
  if (version === 1) {
    // A v1 host as systemd mounts it: cpu,cpuacct with cpuacct a symlink to it, memory, and v2's unified/ beside them.
    mkdirSync(join(root, 'cpu,cpuacct', driver === 'systemd' ? 'kubepods.slice' : 'kubepods'), { recursive: true });
    mkdirSync(join(root, 'memory', driver === 'systemd' ? 'kubepods.slice' : 'kubepods'), { recursive: true });
    symlinkSync('cpu,cpuacct', join(root, 'cpuacct'));
    mkdirSync(join(root, 'unified'));
    for (const pod of pods) setUsage(root, driver, pod, 1);
    return root;
  }
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  const kube = driver === 'systemd' ? 'kubepods.slice' : 'kubepods';
  mkdirSync(join(root, kube), { recursive: true });
  writeFileSync(join(root, kube, 'cpu.stat'), 'usage_usec 999999999\n');
  writeFileSync(join(root, kube, 'memory.current'), '999999999\n');
  mkdirSync(join(root, 'system.slice', 'containerd.service'), { recursive: true });
  writeFileSync(join(root, 'system.slice', 'containerd.service', 'cpu.stat'), 'usage_usec 5\n');
  for (const pod of pods) {
    setUsage(root, driver, pod);
    const scope = driver === 'systemd' ? `cri-containerd-${CONTAINER}.scope` : CONTAINER;
    mkdirSync(join(root, podPath(driver, pod), scope), { recursive: true });
    writeFileSync(join(root, podPath(driver, pod), scope, 'cpu.stat'), 'usage_usec 1\n');
  }
  return root;
}
