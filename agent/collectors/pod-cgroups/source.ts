import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../rapl/source.js';
import { classifyEntry, KUBEPODS_DIR, parseCpuacctUsageUsec, parseCpuStatUsageUsec, parseMemoryCurrent, type CgroupDriver, type Qos } from './parse.js';

/**
 * Where the kubelet's pods are under a cgroup root, or why none are read.
 * v2 has one tree (`cpuDir` = `memoryDir`); v1 repeats it in the cpuacct
 * and memory hierarchies.
 */
export type KubepodsRoot = { found: true; driver: CgroupDriver; version: 1 | 2; cpuDir: string; memoryDir: string } | { found: false; reason: string };
type Kubepods = Extract<KubepodsRoot, { found: true }>;

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/** v1 mounts cpuacct with cpu as `cpu,cpuacct` (systemd; `cpuacct` is a symlink to it), or alone. */
const V1_CPUACCT = ['cpu,cpuacct', 'cpuacct,cpu', 'cpuacct'];

/**
 * Finds `kubepods.slice` (systemd driver) or `kubepods` (cgroupfs) on the
 * cgroup v2 root, else under v1's cpuacct and memory hierarchies (both
 * needed). A hybrid host (v1 controllers, v2 at `unified/`) runs the
 * kubelet on v1, so v1 is what is found there.
 */
export async function findKubepods(root: string): Promise<KubepodsRoot> {
  for (const driver of ['systemd', 'cgroupfs'] as const) {
    const dir = join(root, KUBEPODS_DIR[driver]);
    if (await isDir(dir)) return { found: true, driver, version: 2, cpuDir: dir, memoryDir: dir };
  }
  for (const driver of ['systemd', 'cgroupfs'] as const) {
    for (const cpu of V1_CPUACCT) {
      const cpuDir = join(root, cpu, KUBEPODS_DIR[driver]);
      if (!(await isDir(cpuDir))) continue;
      const memoryDir = join(root, 'memory', KUBEPODS_DIR[driver]);
      if (await isDir(memoryDir)) return { found: true, driver, version: 1, cpuDir, memoryDir };
      return { found: false, reason: `cgroup v1 without the memory hierarchy: ${cpuDir} but no ${memoryDir}` };
    }
  }
  return { found: false, reason: `no kubepods.slice or kubepods under ${root}: no kubelet pods on this host` };
}

export interface PodCgroup {
  uid: string;
  qos: Qos;
  /** The pod's directory below kubepods (the same in every v1 hierarchy). */
  rel: string;
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    // A QoS level or the whole tree can go between listing and reading (the kubelet restarting).
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/** Every pod cgroup below kubepods (Guaranteed ones right under it, the others one level down), sorted by UID, at most `max`; `left` counts the rest. */
export async function listPodCgroups(kube: Kubepods, max: number): Promise<{ pods: PodCgroup[]; left: number }> {
  const pods: PodCgroup[] = [];
  for (const name of await subdirs(kube.cpuDir)) {
    const entry = classifyEntry(kube.driver, name, null);
    if (entry?.kind === 'pod') pods.push({ uid: entry.uid, qos: entry.qos, rel: name });
    if (entry?.kind !== 'qos') continue;
    for (const child of await subdirs(join(kube.cpuDir, name))) {
      const pod = classifyEntry(kube.driver, child, entry.qos);
      if (pod?.kind === 'pod') pods.push({ uid: pod.uid, qos: pod.qos, rel: join(name, child) });
    }
  }
  pods.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  return { pods: pods.slice(0, max), left: Math.max(0, pods.length - max) };
}

export interface PodUsage {
  uid: string;
  qos: Qos;
  cpuUsageUsec: number;
  memoryBytes: number;
}

/** The files a pod's CPU time and memory are read from, per cgroup version. */
function filesOf(kube: Kubepods, pod: PodCgroup) {
  if (kube.version === 2) return { cpu: join(kube.cpuDir, pod.rel, 'cpu.stat'), memory: join(kube.memoryDir, pod.rel, 'memory.current') };
  return { cpu: join(kube.cpuDir, pod.rel, 'cpuacct.usage'), memory: join(kube.memoryDir, pod.rel, 'memory.usage_in_bytes') };
}

/**
 * A pod's CPU time (v2 `cpu.stat`, v1 `cpuacct.usage`) and memory (v2
 * `memory.current`, v1 `memory.usage_in_bytes`); null when the pod went
 * away since the listing (ENOENT/ENODEV on a removed cgroup). Other
 * failures (a garbled file, no cpu or memory controller enabled for the
 * subtree) throw, naming the pod's directory.
 */
export async function readPodUsage(kube: Kubepods, pod: PodCgroup): Promise<PodUsage | null> {
  const files = filesOf(kube, pod);
  try {
    const [cpu, mem] = await Promise.all([readFile(files.cpu, 'utf8'), readFile(files.memory, 'utf8')]);
    const cpuUsageUsec = kube.version === 2 ? parseCpuStatUsageUsec(cpu) : parseCpuacctUsageUsec(cpu);
    return { uid: pod.uid, qos: pod.qos, cpuUsageUsec, memoryBytes: parseMemoryCurrent(mem, kube.version === 2 ? 'memory.current' : 'memory.usage_in_bytes') };
  } catch (err) {
    const code = errnoCode(err);
    if ((code === 'ENOENT' || code === 'ENODEV') && !(await isDir(join(kube.cpuDir, pod.rel)))) return null;
    throw new Error(`${join(kube.cpuDir, pod.rel)}: ${(err as Error).message}`, { cause: err });
  }
}
