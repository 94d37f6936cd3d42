import type { Logger } from '../../shared/log.js';
import { parseDuration } from '../../shared/duration.js';
import { ApiError } from '../api/errors.js';
import type { Fleet } from '../fleet/fleet.js';
import type { PveManagerConfig } from './config.js';
import type { PveManager } from './manager.js';
import { agentFor, agentMetrics } from './monitoring-agents.js';
import { grafanaStatus, type GrafanaStatus } from './monitoring-grafana.js';
import { prometheusStatus, reloadPrometheus, type PrometheusStatus } from './monitoring-prometheus.js';
import { targetGroups, writeTargetsFile, type AgentHost } from './monitoring-targets.js';
import type { ManagedServer } from './server-store.js';
import type { VmMetrics } from './vm-metrics.js';

export interface PveMonitoringDeps {
  manager: PveManager;
  fleet: Fleet;
  config: PveManagerConfig['monitoring'];
  log: Logger;
}

export interface MonitoringStatus {
  prometheus: PrometheusStatus;
  grafana: GrafanaStatus;
  /** The kcloud agents (they serve node_exporter's role) of the managed servers and the PVE nodes; active: the hub sees the agent online. */
  node_exporters: { total: number; active: number; inactive: number; error?: string };
}

export interface PrometheusUpdate {
  file: string;
  targets: number;
  servers: number;
  nodes: number;
  reload: 'done' | 'failed' | 'not_configured';
  reload_error: string | null;
}

/**
 * The seed's monitoring routes over the hub's own parts: the configured
 * Prometheus and Grafana (asked, never fatal), the fleet's agents matched to
 * managed servers and PVE nodes by name, and file_sd targets for them.
 */
export class PveMonitoring {
  private readonly timeoutMs: number;

  constructor(private readonly deps: PveMonitoringDeps) {
    this.timeoutMs = parseDuration(deps.config.timeout);
  }

  /** Managed servers that have a VM (state active), by their IP. */
  private serverHosts(): AgentHost[] {
    return this.deps.manager.servers
      .list()
      .filter((s) => s.state === 'active')
      .map((s) => ({ kind: 'server', name: s.name, address: s.ipAddress, role: s.role }));
  }

  /** The configured cluster's nodes, by their cluster IP (else their name); a 503 naming the cluster when PVE cannot be read. */
  private async nodeHosts(): Promise<AgentHost[]> {
    try {
      return (await this.deps.manager.clusterNodes()).map((n) => ({ kind: 'pve_node', name: n.name, address: n.ip ?? n.name }));
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('SERVICE_UNAVAILABLE', `the PVE nodes (pveManager.cluster) could not be read: ${(err as Error).message}`, { setting: 'pveManager.cluster' });
    }
  }

  /** The configured Prometheus and Grafana, asked (system/status shows them as services). */
  async backends(): Promise<{ prometheus: PrometheusStatus; grafana: GrafanaStatus }> {
    const { prometheus, grafana } = this.deps.config;
    const [prom, graf] = await Promise.all([prometheusStatus(prometheus.url, this.timeoutMs), grafanaStatus(grafana.url, grafana.tokenFile, this.timeoutMs)]);
    return { prometheus: prom, grafana: graf };
  }

  async status(): Promise<MonitoringStatus> {
    const { prometheus, grafana } = this.deps.config;
    const [prom, graf, nodes] = await Promise.all([
      prometheusStatus(prometheus.url, this.timeoutMs),
      grafanaStatus(grafana.url, grafana.tokenFile, this.timeoutMs),
      this.nodeHosts().then(
        (hosts) => ({ hosts, error: undefined }),
        (err: Error) => ({ hosts: [] as AgentHost[], error: `PVE nodes not counted: ${err.message}` }),
      ),
    ]);
    const hosts = [...this.serverHosts(), ...nodes.hosts];
    const agents = this.deps.fleet.nodes.list();
    const active = hosts.filter((h) => agentFor(agents, h.name)?.state === 'online').length;
    return { prometheus: prom, grafana: graf, node_exporters: { total: hosts.length, active, inactive: hosts.length - active, ...(nodes.error && { error: nodes.error }) } };
  }

  /**
   * Writes the file_sd targets of every managed server's and PVE node's
   * agent, then asks Prometheus to reload. Nothing is written when the
   * targets directory is not configured or PVE cannot be read (a partial
   * list would drop targets).
   */
  async updatePrometheus(): Promise<PrometheusUpdate> {
    const { prometheus, agentMetricsPort } = this.deps.config;
    if (!prometheus.targetsDir) throw new ApiError('SERVICE_UNAVAILABLE', 'no file_sd directory is configured: set pveManager.monitoring.prometheus.targetsDir', { setting: 'pveManager.monitoring.prometheus.targetsDir' });
    const servers = this.serverHosts();
    const nodes = await this.nodeHosts();
    const groups = targetGroups([...servers, ...nodes], agentMetricsPort);
    let file: string;
    try {
      file = await writeTargetsFile(prometheus.targetsDir, groups);
    } catch (err) {
      this.deps.log.error({ dir: prometheus.targetsDir, err: (err as Error).message }, 'monitoring: the Prometheus targets file could not be written');
      throw new ApiError('SERVICE_UNAVAILABLE', `the targets file could not be written in pveManager.monitoring.prometheus.targetsDir: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { setting: 'pveManager.monitoring.prometheus.targetsDir' });
    }
    const reloadError = prometheus.url ? await reloadPrometheus(prometheus.url, this.timeoutMs) : null;
    if (reloadError) this.deps.log.warn({ err: reloadError }, 'monitoring: Prometheus did not reload (it re-reads file_sd files by itself)');
    this.deps.log.info({ file, targets: groups.length }, 'monitoring: Prometheus targets written');
    return { file, targets: groups.length, servers: servers.length, nodes: nodes.length, reload: !prometheus.url ? 'not_configured' : reloadError ? 'failed' : 'done', reload_error: reloadError };
  }

  /** A server's metrics from its kcloud agent when one reports current host series, else from PVE's rrddata. */
  async metrics(serverId: number): Promise<{ server: ManagedServer; source: 'kcloud_agent' | 'pve_rrddata'; metrics: VmMetrics }> {
    const server = this.deps.manager.servers.get(serverId);
    if (!server) throw new ApiError('NOT_FOUND', `server ${serverId} not found`);
    const { fleet } = this.deps;
    const agent = agentFor(fleet.nodes.list(), server.name);
    const fromAgent = agent && agentMetrics(fleet.latest, agent, fleet.freshSince());
    if (fromAgent) return { server, source: 'kcloud_agent', metrics: fromAgent };
    return { ...(await this.deps.manager.metrics(serverId)), source: 'pve_rrddata' };
  }
}
