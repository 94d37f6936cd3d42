import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../rapl/source.js';
import { classifyEntry, KUBEPODS_DIR, parseCpuStatUsageUsec, parseMemoryCurrent, type CgroupDriver, type Qos } from './parse.js';

/** Where the kubelet's pods are under a cgroup root, or why none are read. */
export type KubepodsRoot = { found: true; driver: CgroupDriver; dir: string } | { found: false; reason: string };

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/**
 * Finds `kubepods.slice` (systemd driver) or `kubepods` (cgroupfs) on the
 * cgroup v2 root. v1 puts them under a hierarchy per controller
 * (`cpu,cpuacct/kubepods`, `memory/kubepods`): recognised, not read.
 */
export async function findKubepods(root: string): Promise<KubepodsRoot> {
  for (const driver of ['systemd', 'cgroupfs'] as const) {
    const dir = join(root, KUBEPODS_DIR[driver]);
    if (await isDir(dir)) return { found: true, driver, dir };
  }
  for (const v1 of ['cpuacct', 'cpu,cpuacct', 'memory']) {
    for (const driver of ['systemd', 'cgroupfs'] as const) {
      if (await isDir(join(root, v1, KUBEPODS_DIR[driver]))) return { found: false, reason: `cgroup v1 (${join(root, v1, KUBEPODS_DIR[driver])}): only cgroup v2 pod cgroups are read` };
    }
  }
  return { found: false, reason: `no kubepods.slice or kubepods under ${root}: no kubelet pods on this host` };
}

export interface PodCgroup {
  uid: string;
  qos: Qos;
  dir: string;
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
export async function listPodCgroups(kube: { driver: CgroupDriver; dir: string }, max: number): Promise<{ pods: PodCgroup[]; left: number }> {
  const pods: PodCgroup[] = [];
  for (const name of await subdirs(kube.dir)) {
    const entry = classifyEntry(kube.driver, name, null);
    if (entry?.kind === 'pod') pods.push({ uid: entry.uid, qos: entry.qos, dir: join(kube.dir, name) });
    if (entry?.kind !== 'qos') continue;
    for (const child of await subdirs(join(kube.dir, name))) {
      const pod = classifyEntry(kube.driver, child, entry.qos);
      if (pod?.kind === 'pod') pods.push({ uid: pod.uid, qos: pod.qos, dir: join(kube.dir, name, child) });
    }
  }
  pods.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  return { pods: pods.slice(0, max), left: Math.max(0, pods.length - max) };
}

export interface PodUsage extends PodCgroup {
  cpuUsageUsec: number;
  memoryBytes: number;
}

/**
 * A pod's `cpu.stat` and `memory.current`; null when the pod went away
 * since the listing (ENOENT/ENODEV on a removed cgroup). Other failures
 * (a garbled file, no cpu or memory controller enabled for the subtree)
 * throw, naming the file.
 */
export async function readPodUsage(pod: PodCgroup): Promise<PodUsage | null> {
  try {
    const [cpu, mem] = await Promise.all([readFile(join(pod.dir, 'cpu.stat'), 'utf8'), readFile(join(pod.dir, 'memory.current'), 'utf8')]);
    return { ...pod, cpuUsageUsec: parseCpuStatUsageUsec(cpu), memoryBytes: parseMemoryCurrent(mem) };
  } catch (err) {
    const code = errnoCode(err);
    if ((code === 'ENOENT' || code === 'ENODEV') && !(await isDir(pod.dir))) return null;
    throw new Error(`${pod.dir}: ${(err as Error).message}`, { cause: err });
  }
}
