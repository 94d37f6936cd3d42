import { ApiException, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Node } from '@kubernetes/client-node';
import type { KubeObject } from './manifest.js';

/** The field manager of every apply the hub makes (its ownership in managedFields). */
export const FIELD_MANAGER = 'kcloud';

/** A failed call: the apiserver's Status (code, reason, message) or the connection error. */
export class KubeError extends Error {
  constructor(
    message: string,
    /** HTTP status; null when no answer came (connection refused, timeout). */
    readonly code: number | null,
  ) {
    super(message);
    this.name = 'KubeError';
  }

  /** Whether trying again may work (no answer, 429, 5xx); a 4xx refusal will not change. */
  get transient(): boolean {
    return this.code === null || this.code === 429 || this.code >= 500;
  }
}

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
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.core = kc.makeApiClient(CoreV1Api);
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
