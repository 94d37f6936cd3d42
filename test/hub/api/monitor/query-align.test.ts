import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../../../hub/prometheus/client.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { startVictoriaMetrics, type Engine } from '../../remote-write/engines.js';
import { feed, importRows, MIN, NODE, samples, VM_AUTH, type Points } from '../../remote-read/vm-fixture.js';

interface QueryAnswer {
  data: { start: number; end: number; align?: string; series: { labels: Record<string, string>; points: Points }[] };
}

/**
 * The same samples in the hub and in a real PromQL engine (VictoriaMetrics):
 * /monitoring/query?align=end draws the chart PromQL's query_range draws,
 * stamp for stamp; kcloud's default stamps the same values a step earlier.
 * Samples sit 5 s into their 10 s slots, never on a minute boundary, where
 * PromQL's (T - 1m, T] and kcloud's [T - 1m, T) would differ.
 */
describe('align=end: /monitoring/query and PromQL on the same samples', { timeout: 120_000 }, () => {
  let vm: Engine;
  let prom: PrometheusClient;
  let hub: ApiHub;
  const base = Math.floor(Date.now() / MIN) * MIN;
  const start = base - 30 * MIN;
  const end = base - 5 * MIN;
  const rows = samples(start - 5 * MIN + 5_000, end + 5 * MIN, (i, gpu) => (i % 29) + gpu * 100 + 0.25);

  beforeAll(async () => {
    vm = await startVictoriaMetrics({ basicAuth: VM_AUTH });
    const vmUrl = vm.writeUrl.replace(/\/api\/v1\/write$/, '');
    await importRows(vmUrl, rows);
    prom = new PrometheusClient({ url: vmUrl, timeoutMs: 30_000, authorization: `Basic ${Buffer.from(VM_AUTH.join(':')).toString('base64')}`, cluster: 'vm' });
    hub = await startApiHub();
    await feed(hub, rows);
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await vm?.stop();
  });

  const hubChart = async (agg: string, align: string) => {
    const params = new URLSearchParams({ selector: `gpu_power_watts{node="${NODE}"}`, start: String(start), end: String(end), step: '1m', agg, align });
    const answer = await hub.json<QueryAnswer>(`/api/v1/monitoring/query?${params}`);
    return { answer: answer.data, byGpu: new Map(answer.data.series.map((s) => [s.labels.gpu!, s.points])) };
  };

  it.each([
    ['avg', 'avg_over_time'],
    ['max', 'max_over_time'],
    ['count', 'count_over_time'],
  ])('agg=%s with align=end is %s(m[1m]) of query_range, step for step; align=start is the same values a step earlier', async (agg, fn) => {
    const promql = await prom.queryRange(`${fn}(gpu_power_watts{node="${NODE}"}[1m])`, start, end, MIN);
    const theirs = new Map(promql.map((s) => [s.labels.gpu!, s.points.map((p): [number, number] => [p.ts, p.value])]));
    const byEnd = await hubChart(agg, 'end');
    const byStart = await hubChart(agg, 'start');
    expect(byEnd.answer.align).toBe('end');
    expect(byStart.answer.align).toBeUndefined();
    expect([...byEnd.byGpu.keys()].sort()).toEqual(['0', '1']);
    for (const [gpu, mine] of byEnd.byGpu) {
      const reference = theirs.get(gpu)!;
      // query_range evaluates at start, start + 1m, ..., end: 26 stamps.
      expect(reference).toHaveLength(26);
      expect(mine.map(([t]) => t)).toEqual(reference.map(([t]) => t));
      mine.forEach(([, v], i) => expect(v).toBeCloseTo(reference[i]![1], 9));
      expect(byStart.byGpu.get(gpu)!.map(([t, v]) => [t + MIN, v])).toEqual(mine.filter(([t]) => t > start));
    }
  });

  it('refuses an unknown alignment naming the parameter', async () => {
    const res = await hub.request(`/api/v1/monitoring/query?selector=gpu_power_watts&align=middle`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('align');
  });
});
