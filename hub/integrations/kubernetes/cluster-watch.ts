import { AppsV1Api, CoreV1Api, KubeConfig, type V1Node, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import { CollectionWatch, type RetryPolicy, type WatchState } from './collection-watch.js';
import { nodeFacts, podFacts, replicaSetOwner, workloadOf, type NodeFacts, type Owner, type PodFacts } from './kube-facts.js';

/** A pod as the hub shows it: its facts and the workload that owns it. */
export interface KubePod extends PodFacts {
  owner: Owner | null;
}

export interface KubeNode extends NodeFacts {
  /** Pods bound to the node that have not finished (phase neither Succeeded nor Failed). */
  podsCount: number;
}

/** Facts, or null with the reason there are none (cluster unreachable, too large, object unknown). */
export type Lookup<T> = { facts: T; reason: null } | { facts: null; reason: string };

export interface ClusterWatchOptions {
  /** Most pods (and ReplicaSets) held for the cluster. */
  maxPods: number;
  maxNodes: number;
  retry: RetryPolicy;
}

const FINISHED = new Set(['Succeeded', 'Failed']);

/**
 * The pods, nodes and ReplicaSets of one cluster, each held current by a
 * watch (CollectionWatch), answering lookups only while the watches that
 * answer them are synced: while a cluster is unreachable, lookups give a
 * reason instead of the last facts seen.
 */
export class ClusterWatch {
  readonly pods: CollectionWatch<V1Pod, PodFacts>;
  readonly nodes: CollectionWatch<V1Node, NodeFacts>;
  /** `namespace/name` -> the ReplicaSet's own controller (its Deployment). */
  readonly replicaSets: CollectionWatch<V1ReplicaSet, Owner | null>;

  /** `kubeconfig`: a file path, or a config already loaded and checked (a secrets-box one, kubeconfig-source.ts). */
  constructor(
    readonly name: string,
    kubeconfig: string | KubeConfig,
    opts: ClusterWatchOptions,
  ) {
    let kc = kubeconfig;
    if (typeof kc === 'string') {
      kc = new KubeConfig();
      kc.loadFromFile(kubeconfig as string);
    }
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    this.pods = new CollectionWatch(kc, {
      what: 'pods',
      path: '/api/v1/pods',
      list: (limit) => core.listPodForAllNamespaces({ limit }),
      facts: podFacts,
      key: (p) => p.metadata?.uid ?? null,
      max: opts.maxPods,
      retry: opts.retry,
    });
    this.nodes = new CollectionWatch(kc, {
      what: 'nodes',
      path: '/api/v1/nodes',
      list: (limit) => core.listNode({ limit }),
      facts: nodeFacts,
      key: (n) => n.metadata?.name ?? null,
      max: opts.maxNodes,
      retry: opts.retry,
    });
    this.replicaSets = new CollectionWatch(kc, {
      what: 'replicasets',
      path: '/apis/apps/v1/replicasets',
      list: (limit) => apps.listReplicaSetForAllNamespaces({ limit }),
      facts: replicaSetOwner,
      key: (rs) => (rs.metadata?.name ? `${rs.metadata.namespace ?? ''}/${rs.metadata.name}` : null),
      max: opts.maxPods,
      retry: opts.retry,
    });
  }

  start(): void {
    for (const w of this.watches()) w.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.watches().map((w) => w.stop()));
  }

  private watches() {
    return [this.pods, this.nodes, this.replicaSets] as const;
  }

  /** The first of `watches` that is not synced, as a reason; null when all are. */
  private unavailable(...watches: CollectionWatch<never, unknown>[]): string | null {
    const w = watches.find((x) => x.state.state !== 'synced');
    return w ? `cluster ${this.name}: ${describeState(w.state)}` : null;
  }

  /** Every watch's state, for status views. */
  states(): { pods: WatchState; nodes: WatchState; replicasets: WatchState } {
    return { pods: this.pods.state, nodes: this.nodes.state, replicasets: this.replicaSets.state };
  }

  pod(uid: string): Lookup<KubePod> {
    const reason = this.unavailable(this.pods as never, this.replicaSets as never);
    if (reason) return { facts: null, reason };
    const pod = this.pods.facts.get(uid);
    if (!pod) return { facts: null, reason: `cluster ${this.name} has no pod with uid ${uid}` };
    return { facts: { ...pod, owner: workloadOf(pod, (ns, name) => this.replicaSets.facts.get(`${ns}/${name}`)) }, reason: null };
  }

  node(name: string): Lookup<KubeNode> {
    const reason = this.unavailable(this.nodes as never, this.pods as never);
    if (reason) return { facts: null, reason };
    const node = this.nodes.facts.get(name);
    if (!node) return { facts: null, reason: `cluster ${this.name} has no node named ${name}` };
    let podsCount = 0;
    for (const p of this.pods.facts.values()) if (p.node === name && !FINISHED.has(p.phase ?? '')) podsCount++;
    return { facts: { ...node, podsCount }, reason: null };
  }
}

function describeState(s: WatchState): string {
  return s.state === 'down' ? `${s.reason} (unavailable since ${new Date(s.since).toISOString()})` : (s.reason ?? s.state);
}
