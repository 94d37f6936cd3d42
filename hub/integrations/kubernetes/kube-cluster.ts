import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Node } from '@kubernetes/client-node';
import type { KubeObject } from './manifest.js';
import { NamespaceWatch, type LiveNamespace, type NamespaceWatchOptions } from './namespace-watch.js';
import { eventFacts, rolloutFacts } from './rollout-facts.js';
import { KubeError } from './kube-error.js';

/** The field manager of every apply the hub makes (its ownership in managedFields). */
export const FIELD_MANAGER = 'kcloud';

function kubeError(err: unknown): KubeError {
  if (err instanceof ApiException) {
    let message = `HTTP ${err.code}`;
    try {
      const status = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: string; reason?: string };
      if (status?.message) message = `${status.reason ?? err.code}: ${status.message}`;
    } catch {
      // a body that is not a Status: the HTTP code says enough
    }
    return new KubeError(message, err.code);
  }
  return new KubeError(err instanceof Error ? err.message : String(err), null);
}

/**
 * One cluster's connection, from a kubeconfig (its current context),
 * with @kubernetes/client-node 1.4 (2.x does not run on Node 20).
 */
export class KubeCluster {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly kc: KubeConfig;

  /** `kubeconfig`: a file path, or a config already loaded and checked (kubeconfig-source.ts). */
  constructor(
    readonly name: string,
    kubeconfig: string | KubeConfig,
  ) {
    let kc = kubeconfig;
    if (typeof kc === 'string') {
      kc = new KubeConfig();
      kc.loadFromFile(kubeconfig as string);
    }
    this.kc = kc;
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  /** A watch of a namespace's Deployments and Events (not started). */
  watchNamespace(namespace: string, opts: NamespaceWatchOptions): NamespaceWatch {
    return new NamespaceWatch(this.kc, namespace, opts);
  }

  /** A namespace's Deployments and Events by one list each, at most `max` of each (more: an error, never a partial answer). */
  async listNamespace(namespace: string, max: number): Promise<LiveNamespace> {
    let lists;
    try {
      lists = await Promise.all([this.apps.listNamespacedDeployment({ namespace, limit: max }), this.core.listNamespacedEvent({ namespace, limit: max })]);
    } catch (err) {
      throw kubeError(err);
    }
    const [deployments, events] = lists;
    if (deployments.metadata?._continue || events.metadata?._continue) throw new KubeError(`more than ${max} deployments or events in namespace ${namespace} (kubernetes.watch.maxPods)`, 413);
    return {
      deployments: new Map(deployments.items.flatMap((d) => rolloutFacts(d) ?? []).map((f) => [f.name, f])),
      events: events.items.flatMap((e) => eventFacts(e) ?? []).sort((a, b) => a.at - b.at),
    };
  }

  /** Server-side apply (PATCH application/apply-patch+yaml, fieldManager kcloud, force: the hub owns what it applies). */
  async apply(obj: KubeObject): Promise<void> {
    try {
      await this.objects.patch(obj as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (err) {
      throw kubeError(err);
    }
  }

  /** Deletes an object; one already gone is not an error. */
  async delete(obj: KubeObject): Promise<void> {
    try {
      await this.objects.delete(obj as KubernetesObject);
    } catch (err) {
      const e = kubeError(err);
      if (e.code !== 404) throw e;
    }
  }

  /** The cluster's nodes (one list call; the live capacity of GET /monitoring/system). */
  async listNodes(): Promise<V1Node[]> {
    try {
      return (await this.core.listNode()).items;
    } catch (err) {
      throw kubeError(err);
    }
  }

  /** Whether the namespace no longer exists (a deleted one stays Terminating until its content is gone). */
  async namespaceGone(name: string): Promise<boolean> {
    try {
      await this.core.readNamespace({ name });
      return false;
    } catch (err) {
      const e = kubeError(err);
      if (e.code === 404) return true;
      throw e;
    }
  }
}
