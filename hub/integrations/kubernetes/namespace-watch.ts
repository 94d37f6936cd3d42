import { AppsV1Api, CoreV1Api, type CoreV1Event, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { CollectionWatch, type RetryPolicy } from './collection-watch.js';
import { eventFacts, rolloutFacts, type EventFacts, type RolloutFacts } from './rollout-facts.js';

/** A namespace's Deployments and Events as they are now (from a watch or one list). */
export interface LiveNamespace {
  deployments: Map<string, RolloutFacts>;
  events: EventFacts[];
}

export interface NamespaceWatchOptions {
  /** Most Deployments and Events held (kubernetes.watch.maxPods); a namespace with more is not held at all. */
  max: number;
  retry: RetryPolicy;
}

/**
 * The Deployments and core/v1 Events of one tenant namespace, each held
 * current by a watch (CollectionWatch: list, then watch from its
 * resourceVersion, reconnect with backoff). `live()` answers only while
 * both are synced: a namespace whose watch is down gives its reason, never
 * the last state seen.
 */
export class NamespaceWatch {
  private readonly deployments: CollectionWatch<V1Deployment, RolloutFacts>;
  private readonly events: CollectionWatch<CoreV1Event, EventFacts>;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    opts: NamespaceWatchOptions,
  ) {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    this.deployments = new CollectionWatch(kc, {
      what: 'deployments',
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      list: (limit) => apps.listNamespacedDeployment({ namespace, limit }),
      facts: rolloutFacts,
      key: (d) => d.metadata?.name ?? null,
      max: opts.max,
      retry: opts.retry,
    });
    this.events = new CollectionWatch(kc, {
      what: 'events',
      path: `/api/v1/namespaces/${namespace}/events`,
      list: (limit) => core.listNamespacedEvent({ namespace, limit }),
      facts: eventFacts,
      key: (e) => (e.metadata?.name ? `${namespace}/${e.metadata.name}` : null),
      max: opts.max,
      retry: opts.retry,
    });
  }

  start(): void {
    this.deployments.start();
    this.events.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.deployments.stop(), this.events.stop()]);
  }

  /** Called on every change of either collection or of its state. */
  onChange(cb: () => void): () => void {
    const offs = [this.deployments.onChange(cb), this.events.onChange(cb)];
    return () => offs.forEach((off) => off());
  }

  /** The namespace now, or why it is not known (a watch not listed yet, or down). */
  live(): { live: LiveNamespace; reason: null } | { live: null; reason: string } {
    for (const w of [this.deployments, this.events]) {
      if (w.state.state !== 'synced') return { live: null, reason: `namespace ${this.namespace}: ${w.state.reason ?? w.state.state}` };
    }
    return { live: { deployments: new Map(this.deployments.facts), events: [...this.events.facts.values()].sort((a, b) => a.at - b.at) }, reason: null };
  }
}
