import { describe, expect, it } from 'vitest';
import type { ThresholdEvent } from '../../../hub/bus.js';
import { NotificationGenerator } from '../../../hub/notifications/generator.js';
import type { StatusMessage } from '../../../shared/schema/message.js';

const node = { id: 1, name: 'gpu-01', cluster: 'lab' };
const status = (state: 'online' | 'offline', errors: Record<string, number> = {}): StatusMessage => ({
  v: 1,
  cluster: node.cluster,
  node: node.name,
  ts: Date.now(),
  state,
  sources: Object.fromEntries(Object.entries(errors).map(([name, n]) => [name, { enabled: true, reason: `${name} timed out`, lastSampleTs: null, errors: n }])),
});
const sensor = (value: number, id = '0Eh', name = 'CPU Temp') => ({ metric: 'ipmi_sensor_state', labels: { node: node.name, cluster: node.cluster, sensor: name, id }, ts: 1_700_000_000_000, value });
const threshold = (over: Partial<ThresholdEvent> = {}): ThresholdEvent => ({
  scope: 'cluster',
  name: 'lab',
  metric: 'power_watts',
  currentValue: 5200,
  threshold: 5000,
  severity: 'critical',
  message: 'cluster lab draws 5200 W (limit 5000 W)',
  ts: 1_000_000,
  ...over,
});

describe('notification generator', () => {
  it('reports a node going offline once, and its return', () => {
    const g = new NotificationGenerator({ thresholdRepeatMs: 60_000 });
    expect(g.fromStatus(node, status('online'))).toEqual([]);
    const [off, ...rest] = g.fromStatus(node, status('offline'));
    expect(rest).toEqual([]);
    expect(off).toMatchObject({ category: 'node_offline', type: 'error', priority: 'high', node: 'gpu-01', cluster: 'lab', data: { previous_state: 'online' } });
    expect(g.fromStatus(node, status('offline'))).toEqual([]);
    expect(g.fromStatus(node, status('online')).map((d) => d.category)).toEqual(['node_online']);
  });

  it('reports an offline node the hub had not seen before', () => {
    const g = new NotificationGenerator({ thresholdRepeatMs: 60_000 });
    expect(g.fromStatus(node, status('offline')).map((d) => [d.category, d.data.previous_state])).toEqual([['node_offline', 'unknown']]);
  });

  it('reports a growing collector error counter, with the first status as baseline and agent restarts reset', () => {
    const g = new NotificationGenerator({ thresholdRepeatMs: 60_000 });
    expect(g.fromStatus(node, status('online', { ipmi: 4, gpu: 0 }))).toEqual([]);
    expect(g.fromStatus(node, status('online', { ipmi: 4, gpu: 0 }))).toEqual([]);
    const grown = g.fromStatus(node, status('online', { ipmi: 7, gpu: 0 }));
    expect(grown).toHaveLength(1);
    expect(grown[0]).toMatchObject({ category: 'collector_error', type: 'warning', data: { source: 'ipmi', errors: 7, new_errors: 3, reason: 'ipmi timed out' } });
    // The agent restarted: its counter starts again at 1, which is no growth over the baseline it sets.
    expect(g.fromStatus(node, status('online', { ipmi: 1, gpu: 0 }))).toEqual([]);
    expect(g.fromStatus(node, status('online', { ipmi: 2, gpu: 0 }))[0]?.data.new_errors).toBe(1);
  });

  it('maps threshold events by severity and repeats them only after the quiet period', () => {
    const g = new NotificationGenerator({ thresholdRepeatMs: 60_000 });
    const [first] = g.fromThreshold(threshold());
    expect(first).toMatchObject({ category: 'threshold_exceeded', type: 'error', priority: 'critical', cluster: 'lab', node: null, message: threshold().message, data: { current_value: 5200, threshold: 5000 } });
    expect(g.fromThreshold(threshold({ ts: 1_030_000 }))).toEqual([]);
    expect(g.fromThreshold(threshold({ severity: 'warning', ts: 1_030_000 }))[0]).toMatchObject({ type: 'warning', priority: 'high' });
    expect(g.fromThreshold(threshold({ ts: 1_060_000 }))).toHaveLength(1);
    expect(g.fromThreshold(threshold({ scope: 'node', name: 'gpu-01', ts: 1_000_000 }))[0]).toMatchObject({ node: 'gpu-01', cluster: null });
  });

  it('reports a BMC sensor entering critical or worse, once per change', () => {
    const g = new NotificationGenerator({ thresholdRepeatMs: 60_000 });
    const rows = [{ metric: 'ipmi_temperature_celsius', labels: {}, ts: 1, value: 95 }, sensor(1)];
    expect(g.fromSamples(node, rows)).toEqual([]);
    const [critical] = g.fromSamples(node, [sensor(2)]);
    expect(critical).toMatchObject({ category: 'bmc_sensor_critical', priority: 'high', node: 'gpu-01', data: { sensor: 'CPU Temp', sensor_id: '0Eh', state: 2, previous_state: 1 } });
    expect(g.fromSamples(node, [sensor(2)])).toEqual([]);
    expect(g.fromSamples(node, [sensor(3)])[0]).toMatchObject({ priority: 'critical', data: { state_name: 'non-recoverable' } });
    expect(g.fromSamples(node, [sensor(0), sensor(2, '0Fh', 'Inlet Temp')]).map((d) => d.data.sensor)).toEqual(['Inlet Temp']);
    expect(g.fromSamples(node, [sensor(2)])).toHaveLength(1);
  });
});
