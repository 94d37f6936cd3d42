import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { FakePve } from '../../../fakes/proxmox/server.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { freePort } from '../../../helpers/mosquitto.js';
import { startPrometheus, type RealPrometheus } from '../../../helpers/prometheus.js';
import { json, managerConfig, waitTask, webServer } from './pve-helpers.js';

/** A listening server's base URL. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/**
 * A Grafana as its HTTP API documents `GET /api/search`
 * (https://grafana.com/docs/grafana/latest/developers/http_api/folder_dashboard_search/):
 * service-account tokens as `Authorization: Bearer`, 401 `{"message": ...}`
 * without a valid one; hits of type `dash-db` and `dash-folder`, narrowed by
 * `type`, at most `limit`.
 */
function fakeGrafana(token: string) {
  const hits = [
    { id: 1, uid: 'gpu', title: 'GPUs', type: 'dash-db', uri: 'db/gpus', url: '/d/gpu/gpus', tags: [], isStarred: false },
    { id: 2, uid: 'pwr', title: 'Power', type: 'dash-db', uri: 'db/power', url: '/d/pwr/power', tags: [], isStarred: false },
    { id: 3, uid: 'pve', title: 'PVE nodes', type: 'dash-db', uri: 'db/pve-nodes', url: '/d/pve/pve-nodes', tags: ['pve'], isStarred: true, folderId: 4 },
    { id: 4, uid: 'ops', title: 'Ops', type: 'dash-folder', uri: 'db/ops', url: '/dashboards/f/ops/ops', tags: [], isStarred: false },
  ];
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    const url = new URL(req.url!, 'http://grafana');
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.statusCode = 401;
      return res.end(JSON.stringify({ message: 'invalid API key' }));
    }
    if (req.method !== 'GET' || url.pathname !== '/api/search') {
      res.statusCode = 404;
      return res.end(JSON.stringify({ message: 'Not found' }));
    }
    const type = url.searchParams.get('type');
    const limit = Number(url.searchParams.get('limit') ?? 1000);
    res.end(JSON.stringify(hits.filter((h) => !type || h.type === type).slice(0, limit)));
  });
  return { server, seen };
}

/** What a kcloud agent's /metrics looks like to a scraper (the target Prometheus finds healthy). */
function agentMetricsEndpoint(): Server {
  return createServer((req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end('# HELP kcloud_agent_up The agent runs.\n# TYPE kcloud_agent_up gauge\nkcloud_agent_up 1\n');
  });
}

interface PromTarget {
  health: string;
  scrapeUrl: string;
  labels: Record<string, string>;
  scrapePool: string;
}
async function promTargets(prom: RealPrometheus): Promise<PromTarget[]> {
  const body = (await (await fetch(`${prom.url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: PromTarget[] } };
  return body.data.activeTargets;
}
/** Polls until `check` answers something (bounded by the test's timeout). */
async function until<T>(check: () => Promise<T | undefined | false>): Promise<T> {
  for (;;) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function registerLab(hub: ApiHub, fake: FakePve): Promise<void> {
  const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: json, body: JSON.stringify({ name: 'lab', api_endpoint: fake.url, username: 'root@pam', password: 'pve-root-password' }) });
  if (res.status !== 201) throw new Error(`cluster registration: ${res.status} ${await res.text()}`);
}

async function createManaged(hub: ApiHub, body: unknown): Promise<number> {
  const res = await hub.request('/api/servers/create', { method: 'POST', headers: json, body: JSON.stringify(body) });
  const { task_id } = await res.json();
  const done = (await waitTask(hub, task_id)).at(-1)!;
  if (done.status !== 'completed') throw new Error(`create: ${JSON.stringify(done)}`);
  return done.server_id!;
}

describe('server manager: monitoring with a real Prometheus, a Grafana per its API doc and the fake PVE', () => {
  const TOKEN = 'glsa_monitoring-test-token-7f3a9c';
  let fake: FakePve;
  let prom: RealPrometheus;
  let grafana: ReturnType<typeof fakeGrafana>;
  let grafanaUrl: string;
  let agentEndpoint: Server;
  let agentPort: number;
  let hub: ApiHub;
  let targetsDir: string;
  let tokenFile: string;
  let web01: number;
  let web02: number;

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 1 });
    targetsDir = mkdtempSync(join(tmpdir(), 'kcloud-file-sd-'));
    agentEndpoint = agentMetricsEndpoint();
    agentPort = Number(new URL(await listen(agentEndpoint)).port);
    grafana = fakeGrafana(TOKEN);
    grafanaUrl = await listen(grafana.server);
    tokenFile = join(mkdtempSync(join(tmpdir(), 'kcloud-grafana-')), 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    prom = await startPrometheus([{ job: 'kcloud-agents', target: [], fileSd: join(targetsDir, '*.json') }], { lifecycle: true });
    const monitoring = { prometheus: { url: prom.url, targetsDir }, grafana: { url: grafanaUrl, tokenFile }, agentMetricsPort: agentPort };
    hub = await startApiHub({ ...managerConfig, pveManager: { ...managerConfig.pveManager, monitoring } });
    await registerLab(hub, fake);
    // web-01 at 127.0.0.1: the one target whose agent endpoint answers; web-02 and the fake's nodes (10.0.0.11-13) do not.
    web01 = await createManaged(hub, webServer('web-01', '127.0.0.1', { network_config: { ip_address: '127.0.0.1', subnet: '24', gateway: '127.0.0.254' } }));
    web02 = await createManaged(hub, webServer('web-02', '192.168.0.81'));
    // Agents the hub sees: web-01's (reporting host series) and pve1's, both online; none for web-02, pve2, pve3.
    const web01Agent = await hub.addNode('web-01');
    await hub.publishStatus(web01Agent, { sources: {} });
    const pve1Agent = await hub.addNode('pve1');
    await hub.publishStatus(pve1Agent, { sources: {} });
    const ts = Date.now();
    await hub.publishTelemetry(
      web01Agent,
      [
        { metric: 'host_cpu_utilization_percent', labels: {}, ts, value: 37.25 },
        { metric: 'host_memory_used_bytes', labels: {}, ts, value: 3 * 2 ** 30 },
        { metric: 'host_memory_total_bytes', labels: {}, ts, value: 4 * 2 ** 30 },
        { metric: 'host_disk_used_bytes', labels: { mount: '/' }, ts, value: 10e9 },
        { metric: 'host_disk_size_bytes', labels: { mount: '/' }, ts, value: 40e9 },
        { metric: 'host_disk_used_bytes', labels: { mount: '/var' }, ts, value: 5e9 },
        { metric: 'host_disk_size_bytes', labels: { mount: '/var' }, ts, value: 10e9 },
        { metric: 'host_network_rx_bytes_per_second', labels: { iface: 'eth0' }, ts, value: 1000 },
        { metric: 'host_network_rx_bytes_per_second', labels: { iface: 'eth1' }, ts, value: 24 },
        { metric: 'host_network_tx_bytes_per_second', labels: { iface: 'eth0' }, ts, value: 2048 },
      ],
      ts,
    );
  });
  afterAll(async () => {
    await hub?.close();
    await prom?.stop();
    await fake?.close();
    if (grafana) await close(grafana.server);
    if (agentEndpoint) await close(agentEndpoint);
  });

  it('monitoring/status: the real Prometheus (no targets yet), the dashboards Grafana finds with the token, and the agents of 2 servers + 3 PVE nodes', async () => {
    const status = await hub.json('/api/monitoring/status');
    expect(status).toEqual({
      prometheus: { status: 'running', url: prom.url, targets: 0, healthy_targets: 0 },
      grafana: { status: 'running', url: grafanaUrl, dashboards: 3 },
      node_exporters: { total: 5, active: 2, inactive: 3 },
    });
    const search = grafana.seen.at(-1)!;
    expect(new URL(search.url, 'http://g').searchParams.get('type')).toBe('dash-db');
    expect(search.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // system/status asks the same backends.
    expect((await hub.json('/api/system/status')).services).toMatchObject({ prometheus: 'running', grafana: 'running' });
  });

  it('the Grafana token is never answered nor logged; a refused token reads as an error, the status still 200', async () => {
    expect(JSON.stringify(await hub.json('/api/monitoring/status'))).not.toContain(TOKEN);
    writeFileSync(tokenFile, 'glsa_wrong-token\n');
    try {
      const res = await hub.request('/api/monitoring/status');
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(JSON.parse(text).grafana).toEqual({ status: 'error', url: grafanaUrl, dashboards: null, error: expect.stringContaining('HTTP 401') });
      expect(text).not.toContain('glsa_wrong-token');
    } finally {
      writeFileSync(tokenFile, `${TOKEN}\n`);
    }
    expect((await hub.json('/api/monitoring/status')).grafana.status).toBe('running');
    expect(hub.logs.text()).not.toContain(TOKEN);
    expect(hub.logs.text()).not.toContain('glsa_wrong-token');
  });

  it('prometheus/update writes the file_sd targets atomically (0644, no temp left) and reloads Prometheus, which then scrapes them', async () => {
    // A job only in the config file on disk: Prometheus runs it only once it has reloaded (it does not watch its config file).
    const config = parseYaml(readFileSync(prom.configFile, 'utf8')) as { scrape_configs: unknown[] };
    config.scrape_configs.push({ job_name: 'reload-marker', static_configs: [{ targets: [`127.0.0.1:${agentPort}`] }] });
    writeFileSync(prom.configFile, stringifyYaml(config));
    const res = await hub.request('/api/monitoring/prometheus/update', { method: 'POST' });
    expect(res.status).toBe(200);
    const file = join(targetsDir, 'kcloud-agents.json');
    expect(await res.json()).toEqual({ success: true, message: expect.any(String), file, targets: 5, servers: 2, nodes: 3, reload: 'done', reload_error: null });
    expect(readdirSync(targetsDir)).toEqual(['kcloud-agents.json']);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const groups = JSON.parse(readFileSync(file, 'utf8')) as { targets: string[]; labels: Record<string, string> }[];
    expect(groups).toEqual([
      { targets: [`10.0.0.11:${agentPort}`], labels: { instance: 'pve1', kcloud_kind: 'pve_node' } },
      { targets: [`10.0.0.12:${agentPort}`], labels: { instance: 'pve2', kcloud_kind: 'pve_node' } },
      { targets: [`10.0.0.13:${agentPort}`], labels: { instance: 'pve3', kcloud_kind: 'pve_node' } },
      { targets: [`127.0.0.1:${agentPort}`], labels: { instance: 'web-01', kcloud_kind: 'server', kcloud_role: 'web' } },
      { targets: [`192.168.0.81:${agentPort}`], labels: { instance: 'web-02', kcloud_kind: 'server', kcloud_role: 'web' } },
    ]);

    // Prometheus' own target list has them, with the labels; web-01's agent endpoint answers, so it turns healthy. The marker job shows the reload.
    const all = await until(async () => {
      const t = await promTargets(prom);
      return t.length === 6 && t.find((x) => x.labels.instance === 'web-01')?.health === 'up' && t.find((x) => x.scrapePool === 'reload-marker')?.health === 'up' && t;
    });
    const targets = all.filter((t) => t.scrapePool !== 'reload-marker');
    expect(targets.map((t) => t.scrapeUrl).sort()).toEqual(
      [`10.0.0.11`, `10.0.0.12`, `10.0.0.13`, `127.0.0.1`, `192.168.0.81`].map((h) => `http://${h}:${agentPort}/metrics`),
    );
    expect(targets.map((t) => t.scrapePool)).toEqual(Array(5).fill('kcloud-agents'));
    expect(targets.find((t) => t.labels.instance === 'web-02')!.labels).toMatchObject({ kcloud_kind: 'server', kcloud_role: 'web' });
    // Prometheus stored what it scraped from that target.
    expect(await until(async () => (await prom.query('kcloud_agent_up{instance="web-01"}')).length > 0)).toBe(true);

    // monitoring/status counts from the same list: 6 targets, web-01's and the marker's healthy (the others cannot be reached).
    const { prometheus } = await hub.json('/api/monitoring/status');
    expect(prometheus).toEqual({ status: 'running', url: prom.url, targets: 6, healthy_targets: 2 });
  });

  it('a server deleted from the manager is gone from the next update and from Prometheus', async () => {
    const res = await hub.request(`/api/servers/${web02}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    await waitTask(hub, (await res.json()).task_id);
    const update = await (await hub.request('/api/monitoring/prometheus/update', { method: 'POST' })).json();
    expect(update).toMatchObject({ targets: 4, servers: 1, nodes: 3, reload: 'done' });
    const targets = await until(async () => {
      const t = (await promTargets(prom)).filter((x) => x.scrapePool === 'kcloud-agents');
      return t.length === 4 && t;
    });
    expect(targets.map((t) => t.labels.instance).sort()).toEqual(['pve1', 'pve2', 'pve3', 'web-01']);
    expect((await hub.json('/api/monitoring/status')).node_exporters).toEqual({ total: 4, active: 2, inactive: 2 });
  });

  it("the seed's curl examples with a session cookie and with a Bearer API key; a viewer may read the status, not update", async () => {
    await hub.addUser('vera', 'viewer');
    const login = await hub.request('/api/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username: 'vera', password: 'vera-password' }) });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const status = await hub.request('/api/monitoring/status', { user: null, headers: { cookie } });
    expect(status.status).toBe(200);
    expect((await status.json()).prometheus.status).toBe('running');
    const refused = await hub.request('/api/monitoring/prometheus/update', { method: 'POST', user: null, headers: { cookie } });
    expect([refused.status, (await refused.json()).error.code]).toEqual([403, 'FORBIDDEN']);
    const key = await (await hub.request('/api/v1/api-keys', { method: 'POST', headers: json, body: JSON.stringify({ name: 'monitoring', scopes: ['metrics:read', 'infra:manage'] }) })).json();
    const bearer = { authorization: `Bearer ${key.data.key}` };
    const updated = await hub.request('/api/monitoring/prometheus/update', { method: 'POST', user: null, headers: bearer });
    expect([updated.status, (await updated.json()).reload]).toEqual([200, 'done']);
    const metrics = await hub.request(`/api/monitoring/metrics/${web01}`, { user: null, headers: bearer });
    expect([metrics.status, (await metrics.json()).source]).toEqual([200, 'kcloud_agent']);
    expect((await hub.request('/api/monitoring/status', { user: null })).status).toBe(401);
  });

  it('monitoring/metrics: from the kcloud agent reporting as the server (source kcloud_agent), in % and bytes/s', async () => {
    const m = await hub.json(`/api/monitoring/metrics/${web01}`);
    expect(m).toEqual({
      server_id: web01,
      server_name: 'web-01',
      source: 'kcloud_agent',
      metrics: { cpu_usage: 37.3, memory_usage: 75, disk_usage: 30, network_in: 1024, network_out: 2048, timestamp: expect.any(String) },
    });
    expect(Date.parse(m.metrics.timestamp)).toBeGreaterThan(Date.now() - 3_600_000);
    // The agent's answer asked nothing of PVE.
    expect(fake.calls('GET', /\/rrddata$/)).toHaveLength(0);
  });
});

describe('server manager: monitoring with nothing reachable or nothing configured', () => {
  let fake: FakePve;
  let hub: ApiHub;
  let bare: ApiHub;
  let targetsDir: string;
  let closedUrl: string;

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 1 });
    targetsDir = mkdtempSync(join(tmpdir(), 'kcloud-file-sd-'));
    // A port nothing listens on: connections are refused.
    closedUrl = `http://127.0.0.1:${await freePort()}`;
    hub = await startApiHub({ ...managerConfig, pveManager: { ...managerConfig.pveManager, monitoring: { prometheus: { url: closedUrl, targetsDir }, grafana: { url: closedUrl } } } });
    await registerLab(hub, fake);
    bare = await startApiHub({});
  });
  afterAll(async () => {
    await hub?.close();
    await bare?.close();
    await fake?.close();
  });

  it('status with nothing configured: not_configured, no agents, why PVE nodes are not counted', async () => {
    expect(await bare.json('/api/monitoring/status')).toEqual({
      prometheus: { status: 'not_configured', url: null, targets: null, healthy_targets: null },
      grafana: { status: 'not_configured', url: null, dashboards: null },
      node_exporters: { total: 0, active: 0, inactive: 0, error: expect.stringContaining('pveManager.cluster') },
    });
  });

  it('update with no targets directory: 503 naming the setting, nothing written', async () => {
    const res = await bare.request('/api/monitoring/prometheus/update', { method: 'POST' });
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { setting: 'pveManager.monitoring.prometheus.targetsDir' } });
  });

  it('status with Prometheus and Grafana unreachable: 200 saying unreachable, with the PVE nodes counted', async () => {
    const res = await hub.request('/api/monitoring/status');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      prometheus: { status: 'unreachable', url: closedUrl, targets: null, healthy_targets: null, error: expect.stringContaining('ECONNREFUSED') },
      grafana: { status: 'unreachable', url: closedUrl, dashboards: null, error: expect.stringContaining('ECONNREFUSED') },
      node_exporters: { total: 3, active: 0, inactive: 3 },
    });
    const system = await hub.json('/api/system/status');
    expect([system.services.prometheus, system.services.grafana, system.system.status]).toEqual(['stopped', 'stopped', 'degraded']);
  });

  it('update with Prometheus unreachable: the targets are written, the failed reload said', async () => {
    const res = await hub.request('/api/monitoring/prometheus/update', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, targets: 3, servers: 0, nodes: 3, reload: 'failed', reload_error: expect.stringContaining('ECONNREFUSED') });
    expect(JSON.parse(readFileSync(body.file, 'utf8')).map((g: { labels: { instance: string } }) => g.labels.instance)).toEqual(['pve1', 'pve2', 'pve3']);
  });

  it('update with PVE not answering: 503, the previous targets file kept', async () => {
    const file = join(targetsDir, 'kcloud-agents.json');
    const before = readFileSync(file, 'utf8');
    await fake.close();
    const res = await hub.request('/api/monitoring/prometheus/update', { method: 'POST' });
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { setting: 'pveManager.cluster' } });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
