import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../../shared/schema/message.js';
import { FakePve } from '../../../fakes/proxmox/server.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PVE1_POWER: Sample[] = [{ metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 412 }];
const FARM_POWER: Sample[] = [{ metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 80 }];

/**
 * GET /api/v1/clusters serves kcloud-monitor-api's client (`data`) and
 * proxmoxer-cluster-api's (`clusters`, `total`) from one list: agent
 * clusters and registered Proxmox clusters side by side, and an agent whose
 * node name is a PVE node's counts in that Proxmox cluster.
 */
describe('/api/v1/clusters with agents and registered Proxmox clusters together', () => {
  let hub: ApiHub;
  let fake: FakePve;
  let id = '';

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0 });
    hub = await startApiHub({ proxmox: { healthInterval: '1h' } });
    // An agent on the PVE node pve1 (reporting under its own cluster name) and one in an unrelated cluster.
    const pve1 = await hub.addNode('pve1', 'rack-a');
    const farm = await hub.addNode('gpu-01', 'farm');
    await hub.publishStatus(pve1, {});
    await hub.publishStatus(farm, {});
    await hub.publishTelemetry(pve1, PVE1_POWER);
    await hub.publishTelemetry(farm, FARM_POWER);
    const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'pve-lab', api_endpoint: fake.url, username: 'root@pam', password: 'pve-root-password' }) });
    expect(res.status).toBe(201);
    id = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await hub?.close();
    await fake?.close();
  });

  it('lists both in `data` and in `clusters` + `total`, the registered one with the registry\'s fields', async () => {
    const body = await hub.json('/api/v1/clusters');
    expect(body.clusters).toEqual(body.data);
    expect(body.total).toBe(3);
    expect(body.data.map((c: { name: string }) => c.name)).toEqual(['farm', 'pve-lab', 'rack-a']);
    const [farm, lab] = body.data;
    expect(farm).toMatchObject({ name: 'farm', status: 'connected', data_source: 'kcloud', nodes_count: 1, total_power_watts: 80, id: null, api_endpoint: null, proxmox_version: null, node_count: null });
    expect(lab).toMatchObject({
      name: 'pve-lab',
      id,
      api_endpoint: fake.url,
      proxmox_version: '8.2.10',
      node_count: 3,
      // pve3 is offline on the fake.
      status: 'degraded',
      data_source: 'kcloud',
      // The agent on pve1 is linked: kcloud's own measurement is the PVE cluster's power.
      nodes_count: 1,
      total_power_watts: 412,
    });
    expect(lab.id).toMatch(UUID);
    expect(lab.created_at).toMatch(/Z$/);
  });

  it('a registered cluster\'s power and summary come from the linked agent nodes', async () => {
    const power = await hub.json('/api/v1/clusters/pve-lab/power');
    expect(power.data.nodes.map((n: { node: string }) => n.node)).toEqual(['pve1']);
    expect(power.data.total_power_watts).toBe(412);
    const summary = await hub.json('/api/v1/clusters/pve-lab/summary');
    expect(summary.data.nodes).toMatchObject({ total: 1, ready: 1 });
  });

  it('GET /clusters/{id} answers the registry client by UUID and every cluster by name; 404 in the registry body otherwise', async () => {
    expect(await hub.json(`/api/v1/clusters/${id}`)).toMatchObject({ id, name: 'pve-lab', node_count: 3, nodes: ['pve1', 'pve2', 'pve3'] });
    expect((await hub.json('/api/v1/clusters/pve-lab')).id).toBe(id);
    // An agent cluster by name: its list entry, the registry's fields null.
    const list = await hub.json('/api/v1/clusters');
    expect(await hub.json('/api/v1/clusters/farm')).toEqual(list.data.find((c: { name: string }) => c.name === 'farm'));
    for (const missing of ['no-such-cluster', '00000000-0000-4000-8000-000000000000']) {
      const res = await hub.request(`/api/v1/clusters/${missing}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ code: 'NotFound', message: 'Cluster not found', details: null });
    }
  });

  it('after DELETE the registered cluster leaves the list; the agents\' stay', async () => {
    expect((await hub.request(`/api/v1/clusters/${id}`, { method: 'DELETE' })).status).toBe(204);
    const body = await hub.json('/api/v1/clusters');
    expect(body.data.map((c: { name: string }) => c.name)).toEqual(['farm', 'rack-a']);
    expect(body.total).toBe(2);
  });
});
