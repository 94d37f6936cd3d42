import { describe, expect, it } from 'vitest';
import { parseCgroup, type Workload } from '../../../../agent/collectors/gpu-processes/cgroup.js';
import { resolvePod, workloadLabels, type PodResolver } from '../../../../agent/collectors/gpu-processes/pod-resolver.js';

// Ids are invented; the path layouts are the ones the kubelet (cgroupfs and
// systemd drivers, per QoS class), containerd/runc, cri-o, Docker and Podman
// create, as documented in cgroup.ts.
const C = '4f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d';
const UID = 'b3c0f5a2-7d1e-4c9a-9f2e-5a6b7c8d9e0f';
const UID_ = UID.replaceAll('-', '_');

const v1 = (path: string) => [`12:pids:${path}`, `11:memory:${path}`, `4:cpu,cpuacct:${path}`, `1:name=systemd:${path}`, '0::/'].join('\n') + '\n';

const CASES: [string, string, Workload][] = [
  ['v1 cgroupfs, Burstable pod (runtime not in the path)', v1(`/kubepods/burstable/pod${UID}/${C}`), { containerId: C, podUid: UID, runtime: 'unknown' }],
  ['v1 cgroupfs, Guaranteed pod', v1(`/kubepods/pod${UID}/${C}`), { containerId: C, podUid: UID, runtime: 'unknown' }],
  ['v1 cgroupfs, BestEffort pod, cri-o', v1(`/kubepods/besteffort/pod${UID}/crio-${C}`), { containerId: C, podUid: UID, runtime: 'cri-o' }],
  [
    'v1 systemd driver, Burstable pod, Docker',
    v1(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/docker-${C}.scope`),
    { containerId: C, podUid: UID, runtime: 'docker' },
  ],
  [
    'v2 systemd driver, Burstable pod, containerd',
    `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${C}.scope\n`,
    { containerId: C, podUid: UID, runtime: 'containerd' },
  ],
  [
    'v2 systemd driver, Guaranteed pod (right under kubepods.slice), containerd',
    `0::/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${C}.scope\n`,
    { containerId: C, podUid: UID, runtime: 'containerd' },
  ],
  [
    'v2 systemd driver, BestEffort pod, cri-o with its container/ sub-cgroup',
    `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${C}.scope/container\n`,
    { containerId: C, podUid: UID, runtime: 'cri-o' },
  ],
  ['v2 cgroupfs driver, Burstable pod', `0::/kubepods/burstable/pod${UID}/${C}\n`, { containerId: C, podUid: UID, runtime: 'unknown' }],
  [
    'v2, containerd without the systemd cgroup driver (kind, k3s)',
    `0::/system.slice/containerd.service/kubepods-besteffort-pod${UID_}.slice:cri-containerd:${C}\n`,
    { containerId: C, podUid: UID, runtime: 'containerd' },
  ],
  ['v1 Docker alone (cgroupfs)', v1(`/docker/${C}`), { containerId: C, podUid: '', runtime: 'docker' }],
  ['v2 Docker alone (systemd)', `0::/system.slice/docker-${C}.scope\n`, { containerId: C, podUid: '', runtime: 'docker' }],
  ['v2 nerdctl (containerd)', `0::/system.slice/nerdctl-${C}.scope\n`, { containerId: C, podUid: '', runtime: 'containerd' }],
  [
    'v2 rootless Podman',
    `0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${C}.scope/container\n`,
    { containerId: C, podUid: '', runtime: 'podman' },
  ],
  ['v2 systemd user session: no container', '0::/user.slice/user-1000.slice/session-3.scope\n', { containerId: '', podUid: '', runtime: 'none' }],
  [
    'v2 user service under user@.service: no container',
    '0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-1b2c.scope\n',
    { containerId: '', podUid: '', runtime: 'none' },
  ],
  ['v2 system service', '0::/system.slice/nvidia-persistenced.service\n', { containerId: '', podUid: '', runtime: 'none' }],
  [
    'cri-o conmon: in the pod, not in a container',
    `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${C}.scope\n`,
    { containerId: '', podUid: UID, runtime: 'none' },
  ],
  ['v2 root (agent in its own cgroup namespace)', '0::/\n', { containerId: '', podUid: '', runtime: 'none' }],
  ['empty file', '', { containerId: '', podUid: '', runtime: 'none' }],
];

describe('parseCgroup', () => {
  it.each(CASES)('%s', (_name, text, expected) => {
    expect(parseCgroup(text)).toEqual(expected);
  });

  it('takes the hierarchy that names the container when v1 lines disagree', () => {
    const text = `12:pids:/\n11:memory:/kubepods/burstable/pod${UID}/${C}\n0::/\n`;
    expect(parseCgroup(text)).toEqual({ containerId: C, podUid: UID, runtime: 'unknown' });
  });
});

describe('pod names come only from a PodResolver', () => {
  const pods: PodResolver = {
    byUid: (uid) => (uid === UID ? { namespace: 'ml', name: 'trainer-0', containers: { [C]: 'pytorch' } } : undefined),
  };
  const inPod = parseCgroup(`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${C}.scope\n`);

  it('fills namespace, pod and container from the resolver', () => {
    expect(workloadLabels(resolvePod(inPod, pods))).toEqual({ container_id: C, pod_uid: UID, namespace: 'ml', pod: 'trainer-0', container: 'pytorch' });
  });

  it('keeps the pod UID and leaves names empty without a resolver or for an unknown pod', () => {
    const empty = { container_id: C, pod_uid: UID, namespace: '', pod: '', container: '' };
    expect(workloadLabels(resolvePod(inPod, undefined))).toEqual(empty);
    expect(workloadLabels(resolvePod(inPod, { byUid: () => undefined }))).toEqual(empty);
  });

  it('leaves the container name empty when the resolver does not list the container', () => {
    const labels = workloadLabels(resolvePod(inPod, { byUid: () => ({ namespace: 'ml', name: 'trainer-0' }) }));
    expect(labels).toMatchObject({ namespace: 'ml', pod: 'trainer-0', container: '' });
  });

  it('never asks the resolver about a process outside a pod', () => {
    const docker = parseCgroup(`0::/system.slice/docker-${C}.scope\n`);
    expect(workloadLabels(resolvePod(docker, { byUid: () => ({ namespace: 'x', name: 'y' }) }))).toEqual({ container_id: C, pod_uid: '', namespace: '', pod: '', container: '' });
  });
});
