import { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesSettings } from './config.js';
import type { WatchedClusters } from './kube-directory.js';

/** A cluster's entry in `kubernetes.clusters`: a kubeconfig file, or the name of a secrets-box row holding one. */
export interface ClusterEntry {
  name: string;
  kubeconfig?: string;
  kubeconfigSecret?: string;
}

/** The secrets-box row `kcloud-hub kubeconfig set <cluster>` writes. */
export const kubeconfigSecretName = (cluster: string) => `kubeconfig.${cluster}`;

/** A kubeconfig the hub will not use: unreadable, without a current context, or one that would make it run a command. */
export class KubeconfigRefused extends Error {}

/**
 * Why a loaded kubeconfig is refused, or null. A user with an `exec`
 * credential plugin or an `auth-provider` makes client-node run a program
 * (or refresh tokens through one) on every call: the hub never runs
 * commands a config names, so such a kubeconfig is refused whole, whichever
 * user the current context picks.
 */
export function kubeconfigProblem(kc: KubeConfig): string | null {
  for (const u of kc.getUsers()) {
    if (u.exec) return `user "${u.name}" has an exec credential plugin (it would run a command); use a token or client certificate instead`;
    if (u.authProvider) return `user "${u.name}" has an auth-provider (it would run a command or refresh tokens through one); use a token or client certificate instead`;
  }
  if (!kc.getCurrentContext() || !kc.getCurrentCluster()) return 'no current-context naming a cluster';
  if (!kc.getCurrentCluster()?.server) return 'the current context\'s cluster has no server';
  return null;
}

/**
 * A kubeconfig from its text (the secrets box, or the CLI before storing
 * it). A YAML error is reported by its line only: the parser's excerpt would
 * quote the secret's content (tokens, keys).
 */
export function parseKubeconfig(text: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    const line = (err as { mark?: { line?: number } }).mark?.line;
    throw new KubeconfigRefused(`not a readable kubeconfig${typeof line === 'number' ? ` (YAML error at line ${line + 1})` : ''}`);
  }
  const problem = kubeconfigProblem(kc);
  if (problem) throw new KubeconfigRefused(problem);
  return kc;
}

/**
 * The connection settings of a cluster entry: exactly one of `kubeconfig`
 * (a file) and `kubeconfigSecret` (a secrets-box row); refused with the
 * cluster named when the secret is missing, the text unreadable or the
 * kubeconfig would run a command.
 */
export function loadClusterKubeconfig(entry: ClusterEntry, secrets: { get(name: string): string | null }): KubeConfig {
  const where = `kubernetes.clusters ${entry.name}`;
  if ((entry.kubeconfig === undefined) === (entry.kubeconfigSecret === undefined)) throw new KubeconfigRefused(`${where}: give exactly one of kubeconfig (a file) and kubeconfigSecret (a secret's name)`);
  if (entry.kubeconfigSecret !== undefined) {
    const text = secrets.get(entry.kubeconfigSecret);
    if (text === null) throw new KubeconfigRefused(`${where}: no secret named ${entry.kubeconfigSecret} (store it with: kcloud-hub kubeconfig set ${entry.name})`);
    try {
      return parseKubeconfig(text);
    } catch (err) {
      throw new KubeconfigRefused(`${where}: secret ${entry.kubeconfigSecret}: ${(err as Error).message}`);
    }
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(entry.kubeconfig!);
  } catch (err) {
    throw new KubeconfigRefused(`${where}: cannot load kubeconfig ${entry.kubeconfig}: ${(err as Error).message}`);
  }
  const problem = kubeconfigProblem(kc);
  if (problem) throw new KubeconfigRefused(`${where}: kubeconfig ${entry.kubeconfig}: ${problem}`);
  return kc;
}

/**
 * Every cluster's kubeconfig loaded for the pod and node watches
 * (kube-directory.ts), from its file or its secrets-box row alike; the
 * first refused one throws, naming its cluster.
 */
export function watchedClusters(k: KubernetesSettings, secrets: { get(name: string): string | null }): WatchedClusters {
  return { watch: k.watch, clusters: k.clusters.map((c) => ({ name: c.name, kubeconfig: loadClusterKubeconfig(c, secrets) })) };
}
