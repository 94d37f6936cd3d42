/**
 * The hub's GET /metrics at 10 000 fleet series: 625 nodes x 8 GPUs x 2
 * metrics (power, utilisation) rendered by hub/prometheus/fleet-exporter.ts.
 * Prints the render time and the longest the event loop was blocked (the
 * largest gap between two turns of a setImmediate probe running beside it),
 * against a baseline that renders the same series in one prom-client pass.
 *
 *   npx tsx bench/metrics-render.ts
 */
import { Gauge, Registry } from 'prom-client';
import type { LatestSample } from '../hub/fleet/latest-values.js';
import { CHUNK_SERIES, renderFleet } from '../hub/prometheus/fleet-exporter.js';

const NODES = 625;
const GPUS = 8;
const ROUNDS = 10;

const byMetric = new Map<string, LatestSample[]>();
for (const metric of ['gpu_power_watts', 'gpu_utilization_percent']) {
  const list: LatestSample[] = [];
  for (let n = 0; n < NODES; n++) {
    for (let g = 0; g < GPUS; g++) {
      list.push({ metric, labels: { cluster: `c${n % 4}`, node: `node-${n}`, gpu: String(g), uuid: `GPU-${n}-${g}-5f1c2e7a` }, ts: 0, value: 100 + ((n * GPUS + g) % 500) });
    }
  }
  byMetric.set(metric, list);
}
const models = new Map([...byMetric.get('gpu_power_watts')!].map((s) => [s.labels.uuid!, 'NVIDIA H100 80GB HBM3']));
const series = [...byMetric.values()].reduce((a, l) => a + l.length, 0);

/** Baseline: every series in one registry, rendered in one pass (what a naive exporter does). */
async function renderOnePass(): Promise<string> {
  const registry = new Registry();
  for (const [metric, list] of byMetric) {
    const g = new Gauge({ name: metric, help: metric, labelNames: ['gpu', 'UUID', 'device', 'modelName', 'Hostname', 'cluster'], registers: [registry] });
    for (const s of list) g.set({ gpu: s.labels.gpu!, UUID: s.labels.uuid!, device: `nvidia${s.labels.gpu}`, modelName: models.get(s.labels.uuid!)!, Hostname: s.labels.node!, cluster: s.labels.cluster! }, s.value);
  }
  return registry.metrics();
}

/** Runs `render` ROUNDS times with a setImmediate probe beside it; the longest gap between probe turns is the longest block. */
async function measure(name: string, render: () => Promise<string>): Promise<void> {
  const times: number[] = [];
  let maxGap = 0;
  let bytes = 0;
  for (let i = 0; i < ROUNDS; i++) {
    let running = true;
    let last = performance.now();
    const probe = () => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      if (running) setImmediate(probe);
    };
    setImmediate(probe);
    const t0 = performance.now();
    bytes = (await render()).length;
    times.push(performance.now() - t0);
    running = false;
    await new Promise((r) => setImmediate(r));
  }
  times.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(28)} render p50 ${times[Math.floor(ROUNDS / 2)]!.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms; ` +
      `longest event-loop block ${maxGap.toFixed(1)} ms; ${(bytes / 1024).toFixed(0)} KiB`,
  );
}

console.log(`${series} series (${NODES} nodes x ${GPUS} GPUs x ${byMetric.size} metrics), ${ROUNDS} rounds each`);
await measure(`renderFleet (${CHUNK_SERIES}/chunk)`, () => renderFleet({ samples: (m) => byMetric.get(m) ?? [], gpus: new Map([...models].map(([uuid, modelName]) => [uuid, { modelName, pciBusId: '', driverVersion: '' }])) }));
await measure('one prom-client pass', renderOnePass);
