import { parseDuration } from '../../../shared/duration.js';
import type { Logger } from '../../../shared/log.js';
import { ClusterWatch, type KubeNode, type KubePod, type Lookup } from './cluster-watch.js';
import type { Static } from '@sinclair/typebox';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesConfigSchema } from './config.js';

/** What the watches take: the bounds and delays of `kubernetes.watch`, and per cluster a kubeconfig file or one already loaded. */
export interface WatchedClusters {
  watch: Static<typeof KubernetesConfigSchema>['watch'];
  clusters: { name: string; kubeconfig: string | KubeConfig }[];
}

/**
 * The watched pods and nodes of every cluster in `kubernetes.clusters`,
 * looked up by the kcloud cluster of the same name: a pod by the UID the
 * agent reads from its GPU process's cgroup, a node by its name (the
 * agent's node name is the Kubernetes node name, the host name).
 */
export class KubernetesDirectory {
  private readonly clusters = new Map<string, ClusterWatch>();

  /** Loads every kubeconfig (a bad one throws, naming the cluster); nothing is contacted before start(). */
  constructor(
    config: WatchedClusters,
    private readonly log?: Logger,
  ) {
    const opts = {
      maxPods: config.watch.maxPods,
      maxNodes: config.watch.maxNodes,
      retry: { minMs: parseDuration(config.watch.retryMin), maxMs: parseDuration(config.watch.retryMax) },
    };
    for (const c of config.clusters) {
      try {
        this.clusters.set(c.name, new ClusterWatch(c.name, c.kubeconfig, opts));
      } catch (err) {
        const what = typeof c.kubeconfig === 'string' ? ` ${c.kubeconfig}` : '';
        throw new Error(`kubernetes.clusters ${c.name}: cannot load kubeconfig${what}: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  /** Starts every cluster's watches; lookups give reasons until each has listed. */
  start(): this {
    for (const c of this.clusters.values()) {
      for (const [what, w] of Object.entries({ pods: c.pods, nodes: c.nodes, replicasets: c.replicaSets })) {
        // One line when a watch goes down or comes back, not one per retry.
        let last = w.state.state;
        w.onChange(() => {
          const { state, reason, detail } = w.state;
          if (state === last) return;
          last = state;
          if (state === 'down') this.log?.warn({ cluster: c.name, what, reason, detail }, 'Kubernetes watch failed: its facts are unavailable until it reconnects');
          else if (state === 'synced') this.log?.info({ cluster: c.name, what }, 'Kubernetes watch synced');
        });
      }
      c.start();
    }
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.clusters.values()].map((c) => c.stop()));
  }

  get size(): number {
    return this.clusters.size;
  }

  cluster(name: string): ClusterWatch | undefined {
    return this.clusters.get(name);
  }

  /** The pod with this UID in the cluster; null when the cluster has no Kubernetes connection. */
  pod(cluster: string, uid: string): Lookup<KubePod> | null {
    return this.clusters.get(cluster)?.pod(uid) ?? null;
  }

  /** The pod's facts when the watch knows it now; null otherwise (the PodLookup that relabels series). */
  readonly currentPod = (cluster: string, uid: string): KubePod | null => this.pod(cluster, uid)?.facts ?? null;

  /** The node of this name in the cluster; null when the cluster has no Kubernetes connection. */
  node(cluster: string, name: string): Lookup<KubeNode> | null {
    return this.clusters.get(cluster)?.node(name) ?? null;
  }
}
