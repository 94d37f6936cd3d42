import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { startVictoriaMetrics, type Engine } from '../remote-write/engines.js';
import { CLUSTER, feed, hubWithSecret, importRows, NODE, samples } from './vm-fixture.js';

const HOUR = 3_600_000;
const PRICE = 0.5; // per kWh
const GPU_HOUR = 2;
const ONPREM = { clouds: { onprem: { electricityPrice: PRICE, gpuHourCost: GPU_HOUR, currency: 'USD' } } };
/** Kept locally long enough for the samples below: with remote read `always`, the local store still holds them, yet the remote one answers. */
const RETENTION = { retention: { raw: '7d', minute: '7d', hour: '7d' } };
const OTHER = 'rr-node-b';

/**
 * The on-prem cost of several ingest hubs (docs/scale-out.md): each hub's
 * local store holds its share of the fleet, the remote store all of it.
 * Node NODE's samples are on this hub and in VictoriaMetrics; OTHER's only in
 * VictoriaMetrics (another hub took them). With storage.remoteRead `always`
 * the cost counts both nodes; without remote read only NODE.
 */
describe('on-prem cost read through storage.remoteRead from a real VictoriaMetrics', () => {
  let vm: Engine;
  let remote: ApiHub;
  let localOnly: ApiHub;
  let ann: [string, string];
  let bob: [string, string];
  // The hour before the last whole one (inside the 7d period, wholly past): one hourly step, each GPU's energy = its power x 1 h.
  const hour = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  // GPU 0 draws 100 W, GPU 1 200 W: 0.3 kWh per node in the hour, 2 GPU-hours.
  const rows = samples(hour, hour + HOUR, (_i, gpu) => 100 + gpu * 100);

  beforeAll(async () => {
    vm = await startVictoriaMetrics({ basicAuth: ['kcloud', 'vm-read-pass'] });
    const vmUrl = vm.writeUrl.replace(/\/api\/v1\/write$/, '');
    await importRows(vmUrl, rows);
    await importRows(vmUrl, rows, OTHER);
    remote = await hubWithSecret(vmUrl, 'always', undefined, { ...ONPREM, ...RETENTION });
    await feed(remote, rows);
    ann = await remote.addUser('ann', 'user');
    localOnly = await startApiHub({ ...ONPREM, ...RETENTION });
    await feed(localOnly, rows);
    bob = await localOnly.addUser('bob', 'user');
  }, 180_000);
  afterAll(async () => {
    await remote?.close();
    await localOnly?.close();
    await vm?.stop();
  });

  const breakdown = async (hub: ApiHub, user: [string, string]) => {
    const res = await hub.request('/api/v1/cost-analysis/breakdown?provider=onprem&period=7d', { user });
    expect(res.status).toBe(200);
    return { sources: res.headers.get('x-kcloud-sources'), warnings: res.headers.get('x-kcloud-warnings'), data: (await res.json()).data };
  };
  const services = (data: { services: { service: string; cost: number }[] }) => Object.fromEntries(data.services.map((s) => [s.service, s.cost]));

  it('with remote read always, prices both nodes\' energy and GPU-hours from the remote store and names it in X-Kcloud-Sources', { timeout: 60_000 }, async () => {
    const { sources, warnings, data } = await breakdown(remote, ann);
    expect(sources).toBe('remote');
    expect(warnings).toBeNull();
    // Energy 0.3 kWh x 0.5 per node; 2 GPU-hours x 2 per node.
    expect(services(data)).toEqual({ [`${CLUSTER}/${NODE}`]: 0.15, [`${CLUSTER}/${OTHER}`]: 0.15, [`${CLUSTER}/${NODE} GPU hours`]: 4, [`${CLUSTER}/${OTHER} GPU hours`]: 4 });
    expect(data.clusters).toEqual([{ cluster: CLUSTER, energy_kwh: 0.6, cost: 0.3 }]);
    // No per-process split: the whole GPU energy and hours of both nodes are unattributed.
    expect(data.namespaces).toEqual([{ cluster: CLUSTER, kind: 'unattributed', namespace: null, energy_kwh: 0.6, gpu_hours: 4, cost: 8.3 }]);

    const summary = await remote.request('/api/v1/cost-analysis?period=7d&provider=onprem', { user: ann });
    expect(summary.status).toBe(200);
    expect(summary.headers.get('x-kcloud-sources')).toBe('remote');
    expect((await summary.json()).data.total_cost).toBe(8.3);
  });

  it('without remote read, prices only the node whose samples this hub took, from the local store', { timeout: 60_000 }, async () => {
    const { sources, data } = await breakdown(localOnly, bob);
    expect(sources).toBe('local');
    expect(services(data)).toEqual({ [`${CLUSTER}/${NODE}`]: 0.15, [`${CLUSTER}/${NODE} GPU hours`]: 4 });
    expect(data.clusters).toEqual([{ cluster: CLUSTER, energy_kwh: 0.3, cost: 0.15 }]);
    expect(data.namespaces).toEqual([{ cluster: CLUSTER, kind: 'unattributed', namespace: null, energy_kwh: 0.3, gpu_hours: 2, cost: 4.15 }]);
  });

  it('names no store when the answer does not read the fleet (provider aws)', { timeout: 60_000 }, async () => {
    const res = await remote.request('/api/v1/cost-analysis?period=7d&provider=aws', { user: ann });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-kcloud-sources')).toBeNull();
  });
});
