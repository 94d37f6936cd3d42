import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LatestValues } from '../../../../hub/fleet/latest-values.js';
import type { NodeView } from '../../../../hub/fleet/node-directory.js';
import { agentFor, agentMetrics } from '../../../../hub/pve-manager/monitoring-agents.js';
import { countDashboards, grafanaStatus } from '../../../../hub/pve-manager/monitoring-grafana.js';
import { countTargets, prometheusStatus } from '../../../../hub/pve-manager/monitoring-prometheus.js';
import { targetGroups } from '../../../../hub/pve-manager/monitoring-targets.js';

const node = (name: string, state: NodeView['state'], host?: { hostname: string; fqdn: string }, cluster = 'default'): NodeView => ({
  id: 1,
  name,
  cluster,
  state,
  stateTs: null,
  lastSeen: null,
  agentVersion: null,
  sources: {},
  inventory: host ? { host: { ...host, cores: 4, memoryBytes: 2 ** 33 } } : {},
  inventoryTs: null,
});

describe('server manager monitoring: matching agents, agent metrics, target files, backend answers', () => {
  it('an agent belongs to a host by its node name or its inventory hostname / FQDN, case-insensitive, an online one first', () => {
    const byName = node('Web-01', 'offline');
    const byHostname = node('gpu-7f3a', 'online', { hostname: 'web-01', fqdn: 'web-01.lab.example' });
    const byFqdn = node('n-22', 'online', { hostname: 'localhost', fqdn: 'db-01.lab.example' });
    expect(agentFor([byName, byHostname, byFqdn], 'web-01')).toBe(byHostname);
    expect(agentFor([byName], 'WEB-01')).toBe(byName);
    expect(agentFor([byName, byHostname, byFqdn], 'db-01.lab.example')).toBe(byFqdn);
    // Not a prefix or a label of a name.
    expect(agentFor([byName, byHostname, byFqdn], 'db-01')).toBeUndefined();
    expect(agentFor([byName, byHostname, byFqdn], 'web')).toBeUndefined();
  });

  it("agent metrics read only that node's cluster and fresh series; none without a current CPU sample", () => {
    const latest = new LatestValues();
    const now = 1_700_000_000_000;
    const labels = (node: string, cluster: string, extra: Record<string, string> = {}) => ({ node, cluster, ...extra });
    latest.update([
      { metric: 'host_cpu_utilization_percent', labels: labels('web-01', 'a'), ts: now, value: 12.04 },
      { metric: 'host_cpu_utilization_percent', labels: labels('web-01', 'b'), ts: now, value: 99 },
      { metric: 'host_memory_used_bytes', labels: labels('web-01', 'a'), ts: now - 1000, value: 1 },
      { metric: 'host_memory_total_bytes', labels: labels('web-01', 'a'), ts: now - 1000, value: 3 },
      { metric: 'host_network_tx_bytes_per_second', labels: labels('web-01', 'a', { iface: 'eth0' }), ts: now - 120_000, value: 5 },
    ]);
    expect(agentMetrics(latest, node('web-01', 'online', undefined, 'a'), now - 60_000)).toEqual({
      cpu_usage: 12,
      memory_usage: 33.3,
      disk_usage: null,
      network_in: null,
      // The tx sample is older than `since`.
      network_out: null,
      timestamp: new Date(now).toISOString(),
    });
    expect(agentMetrics(latest, node('web-01', 'online', undefined, 'b'), now - 60_000)?.cpu_usage).toBe(99);
    expect(agentMetrics(latest, node('web-01', 'online', undefined, 'a'), now + 1)).toBeNull();
    expect(agentMetrics(latest, node('web-02', 'online', undefined, 'a'), 0)).toBeNull();
  });

  it('file_sd groups: one per host, IPv6 in brackets, sorted whatever the input order', () => {
    const groups = targetGroups(
      [
        { kind: 'server', name: 'web-02', address: '192.168.0.82', role: 'web' },
        { kind: 'pve_node', name: 'pve1', address: 'fd00::11' },
        { kind: 'server', name: 'db-01', address: '192.168.0.80', role: 'db' },
        { kind: 'pve_node', name: 'pve0', address: 'pve0' },
      ],
      9400,
    );
    expect(groups).toEqual([
      { targets: ['pve0:9400'], labels: { instance: 'pve0', kcloud_kind: 'pve_node' } },
      { targets: ['[fd00::11]:9400'], labels: { instance: 'pve1', kcloud_kind: 'pve_node' } },
      { targets: ['192.168.0.80:9400'], labels: { instance: 'db-01', kcloud_kind: 'server', kcloud_role: 'db' } },
      { targets: ['192.168.0.82:9400'], labels: { instance: 'web-02', kcloud_kind: 'server', kcloud_role: 'web' } },
    ]);
  });

  it('reads only the documented answers of Prometheus /api/v1/targets and Grafana /api/search', () => {
    const targets = { status: 'success', data: { activeTargets: [{ health: 'up' }, { health: 'down' }, { health: 'unknown' }, { health: 'up' }], droppedTargets: [{}] } };
    expect(countTargets(targets)).toEqual({ targets: 4, healthy: 2 });
    expect(countTargets({ status: 'error', errorType: 'bad_data', error: 'x' })).toBeNull();
    expect(countTargets({ status: 'success', data: {} })).toBeNull();
    expect(countTargets('<html>proxy error</html>')).toBeNull();
    expect(countTargets(null)).toBeNull();
    expect(countDashboards([{ type: 'dash-db' }, { type: 'dash-folder' }, null, { type: 'dash-db' }])).toBe(2);
    expect(countDashboards({ message: 'Unauthorized' })).toBeNull();
  });

  /** A local HTTP server for the test's body; its base URL and the request headers it saw. */
  async function serve(handler: RequestListener, body: (url: string, seen: IncomingHttpHeaders[]) => Promise<void>): Promise<void> {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await body(`127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }
  const targetsAnswer = JSON.stringify({ status: 'success', data: { activeTargets: [{ health: 'up' }], droppedTargets: [] } });

  it("a URL's user:password@ goes as Basic auth and is never shown", async () => {
    await serve(
      (_req, res) => res.end(targetsAnswer),
      async (host, seen) => {
        const status = await prometheusStatus(`http://prom:s3cret-pw@${host}`, 5000);
        expect(status).toEqual({ status: 'running', url: `http://${host}`, targets: 1, healthy_targets: 1 });
        expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from('prom:s3cret-pw').toString('base64')}`);
      },
    );
  });

  it('an answer past the size limit is an error (the hub does not hold it), one that never comes is unreachable', async () => {
    await serve(
      (_req, res) => {
        res.write(`{"status":"success","data":{"activeTargets":[${'{"health":"up"},'.repeat(1000)}`);
        // Then endless: the limit, not the end of the body, has to stop the read.
        const more = setInterval(() => res.write('{"health":"up"},'.repeat(100_000)), 1);
        res.on('close', () => clearInterval(more));
      },
      async (host) => {
        const status = await prometheusStatus(`http://${host}`, 60_000);
        expect(status).toMatchObject({ status: 'error', targets: null, error: expect.stringContaining('larger than 8388608 bytes') });
      },
    );
    await serve(
      () => undefined,
      async (host) => {
        expect(await grafanaStatus(`http://${host}`, '', 100)).toEqual({ status: 'unreachable', url: `http://${host}`, dashboards: null, error: '/api/search?type=dash-db&limit=5000: no answer within 100 ms' });
      },
    );
  });

  it('a Grafana token file that is missing or holds no token: an error naming the key, never the content, and Grafana not asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-grafana-token-'));
    const bad = join(dir, 'token');
    writeFileSync(bad, 'glsa_half\u0007token\n');
    await serve(
      (_req, res) => res.end('[]'),
      async (host, seen) => {
        const garbled = await grafanaStatus(`http://${host}`, bad, 5000);
        expect(garbled).toEqual({ status: 'error', url: `http://${host}`, dashboards: null, error: expect.stringContaining('pveManager.monitoring.grafana.tokenFile') });
        expect(JSON.stringify(garbled)).not.toContain('glsa_half');
        const missing = await grafanaStatus(`http://${host}`, join(dir, 'absent'), 5000);
        expect(missing).toMatchObject({ status: 'error', error: expect.stringContaining('ENOENT') });
        expect(seen).toHaveLength(0);
      },
    );
  });
});
