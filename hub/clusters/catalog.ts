import { parseDuration } from '../../shared/duration.js';
import { withoutCredentials } from '../core/url-credentials.js';
import { notFound } from '../api/errors.js';
import type { Fleet } from '../fleet/fleet.js';
import { PrometheusClient } from '../prometheus/client.js';
import type { ClusterData } from './cluster-data.js';
import type { ClusterConfig } from './config.js';
import { prometheusAuthorization } from './prometheus-auth.js';
import { readPrometheusCluster } from './prometheus-source.js';
import { TtlCache, type CacheCounters } from './ttl-cache.js';

/**
 * Clusters known from elsewhere than agents and config: the registered
 * Proxmox clusters, with their PVE node names. An agent whose node name is
 * one of those counts in that cluster too, so a Proxmox cluster's power
 * comes from kcloud's own measurements.
 */
export type LinkedClusters = () => readonly { name: string; nodeNames: readonly string[] }[];

export interface CatalogMetrics extends CacheCounters {
  /** prometheus_query_duration_seconds */
  observeQuery(seconds: number): void;
}

/** Where a cluster's numbers come from. */
export type ClusterSource = 'kcloud' | 'prometheus';

export interface ClusterInfo {
  name: string;
  /** The configured Prometheus without credentials, null for an agent cluster. Internal: for admins only. */
  url: string | null;
  region: string | null;
  source: ClusterSource;
}

export interface ClusterRead {
  data: ClusterData;
  source: ClusterSource;
  cacheHit: boolean;
}

export interface PrometheusProbe {
  cluster: string;
  /** Without credentials; internal, so not for anonymous answers. */
  url: string;
  connected: boolean;
  response_time_ms: number | null;
  error: string | null;
}

interface Remote {
  client: PrometheusClient;
  data: TtlCache<ClusterData>;
  probe: TtlCache<PrometheusProbe>;
}

const shared = new WeakMap<Fleet, ClusterCatalog>();

/** The one catalog of a hub (its Prometheus clients and caches are shared by the clusters and system routes). */
export function clusterCatalog(configs: readonly ClusterConfig[], fleet: Fleet, metrics: CatalogMetrics, linked: LinkedClusters = () => []): ClusterCatalog {
  let catalog = shared.get(fleet);
  if (!catalog) shared.set(fleet, (catalog = new ClusterCatalog(configs, fleet, metrics, linked)));
  return catalog;
}

/**
 * The clusters the hub answers for: those its agents report under, and
 * those in `clusters:` (which add url and region). A configured `url` makes
 * that Prometheus the cluster's source; every other cluster is read from
 * the fleet view.
 */
export class ClusterCatalog {
  private readonly configs: Map<string, ClusterConfig>;
  /** Each configured url without its `user:password@` (those became the client's Authorization header). */
  private readonly urls = new Map<string, string>();
  private readonly remotes = new Map<string, Remote>();

  constructor(
    configs: readonly ClusterConfig[],
    private readonly fleet: Fleet,
    metrics: CatalogMetrics,
    private readonly linked: LinkedClusters = () => [],
  ) {
    this.configs = new Map(configs.map((c) => [c.name, c]));
    configs.forEach((c, i) => {
      if (!c.url) return;
      // Credentials in the url become the Authorization header (prometheus-auth.ts): fetch() refuses them in URLs, and no answer, log or error body shows them.
      const url = withoutCredentials(c.url);
      this.urls.set(c.name, url);
      const client = new PrometheusClient({
        url,
        cluster: c.name,
        timeoutMs: parseDuration(c.timeout),
        authorization: prometheusAuthorization(c, i),
        observe: (s) => metrics.observeQuery(s),
      });
      const ttl = parseDuration(c.cacheTtl);
      this.remotes.set(c.name, { client, data: new TtlCache(ttl, metrics), probe: new TtlCache(ttl, metrics) });
    });
  }

  /** Every cluster, sorted by name. */
  list(): ClusterInfo[] {
    const names = new Set([...this.fleet.nodes.clusters(), ...this.configs.keys(), ...this.linked().map((l) => l.name)]);
    return [...names].sort().map((n) => this.info(n)!);
  }

  /** One cluster, or null when neither the agents nor the config know it. */
  info(name: string): ClusterInfo | null {
    const c = this.configs.get(name);
    if (!c && !this.fleet.nodes.clusters().includes(name) && !this.linked().some((l) => l.name === name)) return null;
    return { name, url: this.urls.get(name) ?? null, region: c?.region ?? null, source: c?.url ? 'prometheus' : 'kcloud' };
  }

  /** The agents reporting under the cluster's name, and those whose node name is one of a registered Proxmox cluster's nodes. */
  private nodesOf(name: string) {
    const pve = new Set(this.linked().find((l) => l.name === name)?.nodeNames);
    return this.fleet.nodes.list().filter((n) => n.cluster === name || pve.has(n.name));
  }

  /** A cluster's current data; 404 when unknown, 502 PROMETHEUS_ERROR when its Prometheus fails. */
  async read(name: string): Promise<ClusterRead> {
    const info = this.info(name);
    if (!info) throw notFound(`cluster "${name}"`);
    const remote = this.remotes.get(name);
    if (!remote) {
      return { source: 'kcloud', cacheHit: false, data: { nodes: this.nodesOf(name), latest: this.fleet.latest, since: this.fleet.freshSince() } };
    }
    const { value, hit } = await remote.data.get('current', () => readPrometheusCluster(remote.client, name));
    return { source: 'prometheus', cacheHit: hit, data: value };
  }

  /** Reachability of every configured Prometheus (for /system/health), cached like the data. */
  async probeAll(): Promise<PrometheusProbe[]> {
    return Promise.all(
      [...this.remotes.entries()].map(async ([cluster, r]) => {
        const { value } = await r.probe.get('probe', async () => {
          const started = performance.now();
          try {
            await r.client.query('vector(1)');
            return { cluster, url: r.client.url, connected: true, response_time_ms: Math.round(performance.now() - started), error: null };
          } catch (err) {
            return { cluster, url: r.client.url, connected: false, response_time_ms: null, error: (err as Error).message };
          }
        });
        return value;
      }),
    );
  }
}
