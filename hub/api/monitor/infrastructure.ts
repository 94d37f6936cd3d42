import { Type } from '@sinclair/typebox';
import { listGpus } from '../../fleet/gpus.js';
import { nodeInfo, type KubernetesNodeSource, type NodeInfo } from '../../fleet/node-info.js';
import { listPods, type PodView } from '../../fleet/pods.js';
import type { KubeNode, KubePod, Lookup } from '../../integrations/kubernetes/cluster-watch.js';
import type { KubernetesDirectory } from '../../integrations/kubernetes/kube-directory.js';
import { nodeRole } from '../../integrations/kubernetes/kube-facts.js';
import { ApiError, notFound } from '../errors.js';
import type { RouteModule } from '../types.js';
import { envelope } from './envelope.js';
import { CommonQuery, NameSchema, paginate } from './params.js';
import { NodeDetailResponse, NodeListResponse, PodDetailResponse, PodListResponse } from './schemas/infrastructure.js';

const TAGS = ['infrastructure'];
const ACCESS = { access: 'metrics:read' } as const;
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

const round = (n: number | null, digits = 3): number | null => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);
const gib = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? null : round(bytes / GIB, 2));
const mib = (bytes: number | null) => (bytes === null ? null : round(bytes / MIB));
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const percent = (part: number | null, whole: number | null) => (part === null || !whole ? null : round((part / whole) * 100));

/** Node's os.arch() spelling (the agent's inventory) to uname -m's, which the seed shows (`x86_64`). */
const UNAME_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686' };

/**
 * A pod whose namespace the attribution does not know (no pod resolver on
 * the agent) is addressed as `_/{pod_uid}`: `_` is not a valid Kubernetes
 * namespace, so it never collides with a real one.
 */
const UNKNOWN_NAMESPACE = '_';

const ROLE_RULE =
  'role comes from the watched Kubernetes node (`master` with a node-role.kubernetes.io/control-plane or /master label, else `worker`) ' +
  'and is null, with kubernetes_reason saying why, for a node of a cluster without a Kubernetes connection or while that cluster is unreachable; ' +
  'the role filter matches only nodes whose role is known.';

/** What the Kubernetes watch says of a node now, or why it says nothing. */
interface NodeKube {
  node: KubeNode | null;
  reason: string | null;
}

/** What the Kubernetes watch says of a pod now, or why it says nothing. */
interface PodKube {
  pod: KubePod | null;
  reason: string | null;
}

const noConnection = (cluster: string) => `no Kubernetes connection for cluster ${cluster} (kubernetes.clusters)`;

function lookupOf<T>(look: Lookup<T> | null, cluster: string): { facts: T | null; reason: string | null } {
  return look ?? { facts: null, reason: noConnection(cluster) };
}

function nodeKube(kube: KubernetesDirectory | undefined, cluster: string, name: string): NodeKube {
  const { facts, reason } = lookupOf(kube?.node(cluster, name) ?? null, cluster);
  return { node: facts, reason };
}

/** The node facts nodeInfo takes, from a watched node. */
const nodeSource =
  (facts: Map<string, NodeKube>): KubernetesNodeSource =>
  (n) => {
    const k = facts.get(n.name)?.node;
    if (!k) return null;
    const pods = Number(k.capacity.pods);
    return { role: nodeRole(k.roles), kubernetesVersion: k.kubeletVersion, containerRuntime: k.containerRuntime, podsCapacity: Number.isInteger(pods) ? pods : null, podsCount: k.podsCount };
  };

/**
 * A pod of GPU process attribution with what the watch knows of its UID:
 * namespace and name from the watch when it knows the pod now, else what
 * the agent's own resolver sent (or null).
 */
function withKube(p: PodView, kube: KubernetesDirectory | undefined): { view: PodView; kube: PodKube } {
  const { facts, reason } = lookupOf(kube?.pod(p.cluster, p.podUid) ?? null, p.cluster);
  if (!facts) return { view: p, kube: { pod: null, reason } };
  const processes = p.processes.map((proc) => ({ ...proc, container: (proc.containerId ? facts.containerIds[proc.containerId] : undefined) ?? proc.container }));
  return { view: { ...p, namespace: facts.namespace, name: facts.name, processes }, kube: { pod: facts, reason: null } };
}

function nodeSummary(n: NodeInfo, gpuIds: string[], gpuPods: number, k: NodeKube) {
  const memTotal = n.memoryTotalBytes ?? n.host?.memoryBytes ?? null;
  return {
    node_name: n.name,
    cluster: n.cluster,
    role: n.kubernetes.role,
    status: n.status,
    cpu_cores: n.host?.cores ?? null,
    memory_gb: gib(n.host?.memoryBytes),
    power_watts: n.power.totalWatts,
    power_source: n.power.sources.total,
    cpu_utilization_percent: round(n.cpuUtilizationPercent),
    memory_utilization_percent: percent(n.memoryUsedBytes, memTotal),
    pods_count: n.kubernetes.podsCount,
    gpu_pods_count: gpuPods,
    gpus_count: gpuIds.length,
    kubernetes_reason: k.reason,
  };
}

function nodeDetail(n: NodeInfo, gpuIds: string[], gpuPods: number, k: NodeKube) {
  const memTotal = n.memoryTotalBytes ?? n.host?.memoryBytes ?? null;
  return {
    ...nodeSummary(n, gpuIds, gpuPods, k),
    kubernetes: k.node && {
      ready: k.node.ready,
      roles: k.node.roles,
      gpu_capacity: k.node.gpuCapacity,
      gpu_allocatable: k.node.gpuAllocatable,
      capacity: k.node.capacity,
      allocatable: k.node.allocatable,
    },
    kubernetes_version: n.kubernetes.kubernetesVersion,
    os_image: n.host?.os ?? null,
    kernel_version: n.host?.kernel ?? null,
    container_runtime: n.kubernetes.containerRuntime,
    cpu_model: n.host?.cpuModel ?? null,
    cpu_threads: n.host?.threads ?? null,
    cpu_architecture: n.host ? (UNAME_ARCH[n.host.arch] ?? n.host.arch) : null,
    memory_total_gb: gib(memTotal),
    memory_available_gb: memTotal !== null && n.memoryUsedBytes !== null ? gib(memTotal - n.memoryUsedBytes) : null,
    disk_total_gb: gib(n.diskSizeBytes),
    disk_available_gb: n.diskSizeBytes !== null && n.diskUsedBytes !== null ? gib(n.diskSizeBytes - n.diskUsedBytes) : null,
    power: {
      total_watts: n.power.totalWatts,
      gpu_watts: n.power.gpuWatts,
      cpu_watts: n.power.cpuWatts,
      memory_watts: n.power.memoryWatts,
      bmc_watts: n.power.bmcWatts,
      other_watts: n.power.otherWatts,
      sources: n.power.sources,
    },
    pods_capacity: n.kubernetes.podsCapacity,
    gpus: gpuIds,
    agent_version: n.agentVersion,
    last_seen: iso(n.lastSeen),
  };
}

function podSummary({ view: p, kube: k }: { view: PodView; kube: PodKube }) {
  return {
    pod_name: p.name,
    pod_uid: p.podUid,
    namespace: p.namespace,
    node: p.node,
    cluster: p.cluster,
    status: p.status,
    power_watts: p.powerWatts,
    energy_joules: p.energyJoules === null ? null : round(p.energyJoules),
    owner: k.pod?.owner ?? null,
    kubernetes_reason: k.reason,
    // Pod CPU and memory come from Kubernetes/cAdvisor, which kcloud does not read yet; GPU memory is what attribution measures.
    cpu_utilization_percent: null,
    memory_used_mb: null,
    gpu_memory_used_mb: mib(p.gpuMemoryUsedBytes),
    gpu_count: p.gpus.length,
    gpu_ids: p.gpus.map((g) => `nvidia${g}`),
    gpu_uuids: p.uuids,
    created_at: null,
    last_seen: iso(p.lastSeen),
  };
}

function podDetail(row: { view: PodView; kube: PodKube }) {
  const { view: p, kube: k } = row;
  const containers = new Map<string, { name: string | null; container_id: string | null }>();
  for (const proc of p.processes) containers.set(proc.containerId ?? proc.container ?? '', { name: proc.container, container_id: proc.containerId });
  // Containers Kubernetes knows that run no GPU process yet.
  for (const name of k.pod?.containers ?? []) if (![...containers.values()].some((c) => c.name === name)) containers.set(`name:${name}`, { name, container_id: null });
  return {
    ...podSummary(row),
    ip: null,
    cpu_request: null,
    cpu_limit: null,
    memory_request_mb: null,
    memory_limit_mb: null,
    containers: [...containers.values()].map((c) => ({ ...c, image: null, status: p.status, restart_count: null })),
    labels: k.pod?.labels ?? null,
    processes: p.processes.map((proc) => ({
      pid: proc.pid,
      gpu_id: `nvidia${proc.gpu}`,
      uuid: proc.uuid,
      container: proc.container,
      container_id: proc.containerId,
      power_watts: proc.powerWatts,
      gpu_memory_used_mb: mib(proc.memoryUsedBytes),
    })),
  };
}

/** kcloud-monitor-api §2 Infrastructure: nodes (agent inventory and samples) and pods (GPU process attribution). */
export const infrastructureRoutes: RouteModule = (app, deps) => {
  const { fleet, kubernetes: kube } = deps;
  /** Pods of attribution with their Kubernetes facts, of the nodes still registered; sorted as listPods sorts, by the names the watch gave. */
  const pods = () => {
    const text = (s: string | null) => s ?? '';
    return listPods(fleet.latest, fleet.freshSince())
      .flatMap((p) => (fleet.nodes.get(p.node) !== null ? [withKube(p, kube)] : []))
      .sort(({ view: a }, { view: b }) => a.cluster.localeCompare(b.cluster) || a.node.localeCompare(b.node) || text(a.namespace).localeCompare(text(b.namespace)) || text(a.name).localeCompare(text(b.name)) || a.podUid.localeCompare(b.podUid));
  };

  /** Node info with its GPU ids and the number of running GPU pods, for the nodes of a cluster (or all). */
  const nodesOf = (cluster?: string) => {
    const since = fleet.freshSince();
    const nodes = fleet.nodes.list({ cluster });
    const gpus = listGpus(nodes, fleet.latest, since);
    const running = listPods(fleet.latest, since).filter((p) => p.status === 'running');
    const kubeFacts = new Map(nodes.map((n) => [n.name, nodeKube(kube, n.cluster, n.name)]));
    return nodes.map((n) => ({
      info: nodeInfo(n, fleet.latest, since, nodeSource(kubeFacts)),
      kube: kubeFacts.get(n.name)!,
      gpuIds: gpus.filter((g) => g.node === n.name).map((g) => g.gpuId),
      gpuPods: running.filter((p) => p.node === n.name).length,
    }));
  };

  app.get(
    '/infrastructure/nodes',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'Node list',
        description: `Registered nodes. status: \`ready\` while the agent is online and reported within api.staleAfter, else \`not_ready\`. ${ROLE_RULE} memory_gb is GiB.`,
        querystring: Type.Object({
          cluster: CommonQuery.cluster,
          role: Type.Optional(Type.Union([Type.Literal('master'), Type.Literal('worker')])),
          status: Type.Optional(Type.Union([Type.Literal('ready'), Type.Literal('not_ready')])),
          limit: CommonQuery.limit,
          offset: CommonQuery.offset,
        }),
        response: NodeListResponse,
      },
    },
    async (request) => {
      const q = request.query;
      const rows = nodesOf(q.cluster).filter(({ info }) => (q.role === undefined || info.kubernetes.role === q.role) && (q.status === undefined || info.status === q.status));
      const { page, metadata } = paginate(rows, q);
      return envelope(request, 'node', page.map((r) => nodeSummary(r.info, r.gpuIds, r.gpuPods, r.kube)), { cluster: q.cluster, metadata });
    },
  );

  app.get(
    '/infrastructure/nodes/:node_name',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'Node details',
        description: `Host inventory, utilisation, power by source and GPUs of one node. Kubernetes facts (kubernetes_version, container_runtime, pods_*, kubernetes: Ready, roles, capacity and allocatable incl. nvidia.com/gpu) come from the watched node and are null, with kubernetes_reason saying why, when the cluster has no Kubernetes connection, is unreachable or has no node of this name. ${ROLE_RULE}`,
        params: Type.Object({ node_name: NameSchema }),
        response: NodeDetailResponse,
      },
    },
    async (request) => {
      const node = fleet.nodes.get(request.params.node_name);
      if (!node) throw notFound(`node ${request.params.node_name}`);
      const row = nodesOf(node.cluster).find((r) => r.info.name === node.name)!;
      return envelope(request, 'node', nodeDetail(row.info, row.gpuIds, row.gpuPods, row.kube), { cluster: node.cluster });
    },
  );

  app.get(
    '/infrastructure/pods',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'Pod list',
        description:
          'Pods known from GPU process attribution (the agent maps GPU processes to pod UIDs through their cgroups). status: `running` while a process has a sample within api.staleAfter, ' +
          'else null (only Kubernetes knows whether it finished, failed or is pending), so `pending` and `failed` match nothing yet. Every pod listed uses a GPU: has_gpu=false matches nothing. ' +
          'pod_name, namespace and owner come from the watched pod of the UID (Kubernetes integration, docs/kubernetes.md); when the watch does not know it now (kubernetes_reason says why: no connection, cluster unreachable, no such pod) ' +
          'pod_name and namespace are what the agent\'s own pod resolver sent, else null; such a pod is addressed as /pods/_/{pod_uid}. power_watts is the sum of its processes\' attributed GPU power, energy_joules of their energy counters.',
        querystring: Type.Object({
          cluster: CommonQuery.cluster,
          namespace: Type.Optional(NameSchema),
          node: Type.Optional(NameSchema),
          status: Type.Optional(Type.Union([Type.Literal('running'), Type.Literal('pending'), Type.Literal('failed')])),
          has_gpu: Type.Optional(Type.Boolean()),
          limit: CommonQuery.limit,
          offset: CommonQuery.offset,
        }),
        response: PodListResponse,
      },
    },
    async (request) => {
      const q = request.query;
      const rows = pods().filter(
        ({ view: p }) =>
          (q.cluster === undefined || p.cluster === q.cluster) &&
          (q.namespace === undefined || p.namespace === q.namespace) &&
          (q.node === undefined || p.node === q.node) &&
          (q.status === undefined || p.status === q.status) &&
          (q.has_gpu === undefined || q.has_gpu === p.gpus.length > 0),
      );
      const { page, metadata } = paginate(rows, q);
      return envelope(request, 'pod', page.map(podSummary), { cluster: q.cluster, metadata: { ...metadata, source: 'gpu_process_attribution' } });
    },
  );

  app.get(
    '/infrastructure/pods/:namespace/:pod_name',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'Pod details',
        description:
          'One pod known from GPU process attribution, by namespace and name, or by pod UID in place of the name (`_` as namespace when it is unknown). ' +
          'labels and the container names come from the watched pod; ip, requests, limits and image are null. A name found on several nodes or clusters answers 409 with the candidates.',
        params: Type.Object({ namespace: Type.String({ pattern: '^(_|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$' }), pod_name: Type.String({ minLength: 1, maxLength: 253 }) }),
        querystring: Type.Object({ cluster: CommonQuery.cluster }),
        response: PodDetailResponse,
      },
    },
    async (request) => {
      const { namespace, pod_name } = request.params;
      const matches = pods().filter(
        ({ view: p }) =>
          (request.query.cluster === undefined || p.cluster === request.query.cluster) &&
          (p.namespace ?? UNKNOWN_NAMESPACE) === namespace &&
          (p.name === pod_name || p.podUid === pod_name),
      );
      if (matches.length === 0) throw notFound(`pod ${namespace}/${pod_name}`);
      if (matches.length > 1) {
        const candidates = matches.map(({ view: p }) => ({ node: p.node, cluster: p.cluster, pod_uid: p.podUid }));
        throw new ApiError('CONFLICT', `pod ${namespace}/${pod_name} is known on several nodes: use its pod_uid`, { parameter: 'pod_name', candidates });
      }
      const pod = matches[0]!;
      return envelope(request, 'pod', podDetail(pod), { cluster: pod.view.cluster, metadata: { source: 'gpu_process_attribution' } });
    },
  );
};
