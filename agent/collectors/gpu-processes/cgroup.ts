/**
 * Pure parser: the text of `/proc/<pid>/cgroup` -> the container and pod the
 * process runs in. Each line is `hierarchy-ID:controller-list:cgroup-path`
 * (cgroups(7)); cgroup v2 has the single line `0::<path>`.
 *
 * Paths the kubelet and the runtimes create (kubelet cgroup driver docs,
 * containerd/runc/cri-o/podman naming):
 *   v1, cgroupfs driver:  12:memory:/kubepods/burstable/pod<uid>/<container-id>
 *                         (cri-o: .../pod<uid>/crio-<container-id>)
 *   v2, systemd driver:   0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope
 *                         (docker-<id>.scope, crio-<id>.scope; Guaranteed pods sit right under kubepods.slice)
 *   containerd without runc's systemd driver (kind, k3s):
 *                         0::/system.slice/containerd.service/kubepods-besteffort-pod<uid_>.slice:cri-containerd:<id>
 *   Docker alone:         /docker/<id> (v1, cgroupfs)  or  0::/system.slice/docker-<id>.scope
 *   Podman:               0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-<id>.scope
 *   nerdctl:              0::/system.slice/nerdctl-<id>.scope
 *   no container:         0::/user.slice/user-1000.slice/session-3.scope
 * The pod's namespace and name are not in the path: a PodResolver supplies them.
 * Nothing is guessed: a bare `/kubepods/.../pod<uid>/<id>` does not say which
 * runtime made it, so its runtime is `unknown`.
 */
export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'unknown';

export interface Workload {
  /** 64-hex container id; '' for a process outside any container. */
  containerId: string;
  /** Kubernetes pod UID with dashes; '' outside a pod. */
  podUid: string;
  /** Pod namespace, pod name and container name: only from a PodResolver, never from the path. */
  namespace?: string;
  podName?: string;
  container?: string;
  runtime: ContainerRuntime | 'none';
}

const ID = '[0-9a-f]{64}';
const UID = '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}';

const SCOPE_PREFIX: Record<string, ContainerRuntime> = {
  docker: 'docker',
  'cri-containerd': 'containerd',
  crio: 'cri-o',
  libpod: 'podman',
  nerdctl: 'containerd',
};

/** `<prefix>-<id>.scope` (systemd driver) or `...slice:<prefix>:<id>` (containerd with cgroupfs under systemd). */
const SCOPE = new RegExp(`(?:^|/)(docker|cri-containerd|crio|libpod|nerdctl)-(${ID})\\.scope(?:/|$)|:(docker|cri-containerd|crio):(${ID})(?:/|$)`);
/** cgroupfs driver: the container's directory right below the pod's, optionally `crio-` prefixed. */
const POD_CHILD = new RegExp(`/pod${UID}/(crio-)?(${ID})(?:/|$)`);
/** Docker alone, cgroupfs driver. */
const DOCKER_DIR = new RegExp(`(?:^|/)docker/(${ID})(?:/|$)`);
/** `pod<uid>` (cgroupfs) or `kubepods[-qos]-pod<uid_>.slice` (systemd). */
const POD_UID = new RegExp(`(?:/pod|-pod)(${UID})(?:\\.slice|/|$|:)`);

function parsePath(path: string): Workload {
  const podUid = POD_UID.exec(path)?.[1]?.replaceAll('_', '-') ?? '';
  const scope = SCOPE.exec(path);
  if (scope) {
    const prefix = (scope[1] ?? scope[3])!;
    return { containerId: (scope[2] ?? scope[4])!, podUid, runtime: SCOPE_PREFIX[prefix]! };
  }
  const child = POD_CHILD.exec(path);
  if (child) return { containerId: child[2]!, podUid, runtime: child[1] ? 'cri-o' : 'unknown' };
  const docker = DOCKER_DIR.exec(path);
  if (docker) return { containerId: docker[1]!, podUid, runtime: 'docker' };
  return { containerId: '', podUid, runtime: 'none' };
}

/** The workload of a process; v1 lists one line per hierarchy, the first that names a container wins. */
export function parseCgroup(text: string): Workload {
  let pod: Workload | undefined;
  for (const line of text.split('\n')) {
    const m = /^\d+:[^:]*:(.*)$/.exec(line.trim());
    if (!m) continue;
    const w = parsePath(m[1]!);
    if (w.containerId) return w;
    if (w.podUid && !pod) pod = w;
  }
  return pod ?? { containerId: '', podUid: '', runtime: 'none' };
}
