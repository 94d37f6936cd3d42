import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerQueryCommand, type QueryFlags } from '../../../agent/cli/query.js';
import { queryFromFlags } from '../../../shared/query/flags.js';
import { HistoryStore } from '../../../agent/history/store.js';
import { runAgentCli } from '../../helpers/spawn-agent.js';
import { runInProcess } from './run-in-process.js';

/** 2026-11-23T10:00:00Z. */
const T0 = Date.parse('2026-11-23T10:00:00Z');
const UUID0 = 'GPU-00000000-0000-0000-0000-000000000000';
const UUID1 = 'GPU-00000000-0000-0000-0000-000000000001';
const RANGE = ['--start', '2026-11-23T10:00:00Z', '--end', '2026-11-23T10:02:00Z', '--step', '1m'];

/**
 * Power readings from the real captures (`power.draw [W]`): GPU 0 is the H100
 * going from idle (h100-80gb-hbm3-590.48.01-idle: "69.85 W") to load
 * ("631.95 W"); GPU 1 an H200 under load (h200-590.48.01-load: "627.40 W").
 */
const READINGS: [number, string, string, number][] = [
  [T0, '0', UUID0, 69.85],
  [T0 + 30_000, '0', UUID0, 631.95],
  [T0 + 60_000, '0', UUID0, 631.95],
  [T0, '1', UUID1, 627.4],
  [T0 + 60_000, '1', UUID1, 627.4],
];

let dir: string;
let config: string;
let writer: HistoryStore;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kcloud-cli-query-'));
  config = join(dir, 'agent.yaml');
  writeFileSync(config, `node: gpu-01\ncluster: lab\ndataDir: ${join(dir, 'data')}\n`);
  writeFileSync(join(dir, 'empty.yaml'), `node: gpu-01\ndataDir: ${join(dir, 'nothing-here')}\n`);
  // The store stays open for writing, as under a running agent: the readers below go through its WAL.
  mkdirSync(join(dir, 'data'));
  writer = HistoryStore.open(join(dir, 'data', 'history.db'), { retentionMs: 100 * 365 * 86_400_000 });
  for (const [ts, gpu, uuid, value] of READINGS) writer.append([{ metric: 'gpu_power_watts', labels: { gpu, uuid }, value, ts }], ts);
});
afterAll(() => writer?.close());

const query = (...args: string[]) => runInProcess(registerQueryCommand, ['query', ...args, '--config', config]);

describe('kcloud-agent query', () => {
  it('prints JSON with stable keys, the node and cluster as labels', async () => {
    const r = await query('gpu_power_watts', ...RANGE, '--format', 'json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { series: { labels: Record<string, string>; points: [number, number][] }[] };
    expect(Object.keys(out)).toEqual(['metric', 'start', 'end', 'step', 'agg', 'series']);
    expect(out).toMatchObject({ metric: 'gpu_power_watts', start: T0, end: T0 + 120_000, step: 60_000, agg: 'avg' });
    expect(out.series.map((s) => s.labels)).toEqual([
      { cluster: 'lab', node: 'gpu-01', gpu: '0', uuid: UUID0 },
      { cluster: 'lab', node: 'gpu-01', gpu: '1', uuid: UUID1 },
    ]);
    // GPU 0, first minute: (69.85 + 631.95) / 2.
    expect(out.series[0]!.points[0]![0]).toBe(T0);
    expect(out.series[0]!.points[0]![1]).toBeCloseTo(350.9, 9);
    expect(out.series[0]!.points[1]).toEqual([T0 + 60_000, 631.95]);
    expect(out.series[1]!.points).toEqual([[T0, 627.4], [T0 + 60_000, 627.4]]);
  });

  it('prints CSV with sorted label columns, filtered by --gpu', async () => {
    const r = await query('gpu_power_watts', ...RANGE, '--gpu', '1', '--agg', 'max', '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      ['ts,metric,cluster,gpu,node,uuid,value', `${T0},gpu_power_watts,lab,1,gpu-01,${UUID1},627.4`, `${T0 + 60_000},gpu_power_watts,lab,1,gpu-01,${UUID1},627.4`, ''].join('\n'),
    );
  });

  it('prints a table with ISO times, grouped by node', async () => {
    const r = await query('gpu_power_watts', ...RANGE, '--agg', 'last', '--group-by', 'node');
    expect(r.code).toBe(0);
    // The node's GPU power: 631.95 + 627.4 in both minutes.
    expect(r.stdout).toBe(
      ['TIME                      NODE    GPU_POWER_WATTS', '2026-11-23T10:00:00.000Z  gpu-01          1259.35', '2026-11-23T10:01:00.000Z  gpu-01          1259.35', ''].join('\n'),
    );
  });

  it('filters with selector matchers and --label', async () => {
    const r = await query(`gpu_power_watts{uuid="${UUID0}"}`, ...RANGE, '--label', 'gpu!=1', '--agg', 'count', '--format', 'csv');
    expect(r.stdout.trim().split('\n').slice(1)).toEqual([`${T0},gpu_power_watts,lab,0,gpu-01,${UUID0},2`, `${T0 + 60_000},gpu_power_watts,lab,0,gpu-01,${UUID0},1`]);
    const none = await query('gpu_power_watts{gpu="7"}', ...RANGE);
    expect(none.stdout).toBe('no samples of gpu_power_watts between 2026-11-23T10:00:00.000Z and 2026-11-23T10:02:00.000Z\n');
  });

  it('exits 1 naming the path when there is no history', async () => {
    const r = await runInProcess(registerQueryCommand, ['query', 'gpu_power_watts', '--config', join(dir, 'empty.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(dir, 'nothing-here', 'history.db'));
  });

  it.each([
    [['--agg', 'median'], /invalid --agg "median"/],
    [['--format', 'xml'], /invalid --format "xml"/],
    [['--since', 'forever'], /invalid duration "forever"/],
    [['--label', 'gpu'], /invalid label filter "gpu"/],
  ])('exits 2 on bad flags %j', async (flags, error) => {
    const r = await query('gpu_power_watts', ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(error);
  });

  it('runs as the real kcloud-agent binary in another process while the agent holds the store', async () => {
    const r = await runAgentCli(['query', 'gpu_power_watts', ...RANGE, '--gpu', '0', '--agg', 'min', '--format', 'csv', '--config', config]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').slice(1)).toEqual([`${T0},gpu_power_watts,lab,0,gpu-01,${UUID0},69.85`, `${T0 + 60_000},gpu_power_watts,lab,0,gpu-01,${UUID0},631.95`]);
  });
});

describe('query flags', () => {
  const flags = (over: Partial<QueryFlags>): QueryFlags => ({ since: '1h', step: '1m', agg: 'avg', label: [], format: 'table', ...over });

  it('combines the selector, --label, --gpu and --group-by into one query', () => {
    const now = T0 + 3_600_000 + 5_000;
    expect(queryFromFlags('gpu_power_watts{node="gpu-01"}', flags({ label: ['uuid=~GPU-.*'], groupBy: 'node, gpu', agg: 'max' }), { gpu: '3' }, now)).toEqual({
      metric: 'gpu_power_watts',
      matchers: [
        { label: 'node', op: '=', value: 'gpu-01' },
        { label: 'uuid', op: '=~', value: 'GPU-.*' },
        { label: 'gpu', op: '=', value: '3' },
      ],
      start: T0,
      end: now,
      step: 60_000,
      agg: 'max',
      groupBy: ['node', 'gpu'],
    });
    expect(queryFromFlags('m', flags({ groupBy: '' }), {}, now).groupBy).toEqual([]);
    expect(queryFromFlags('m', flags({}), {}, now).groupBy).toBeUndefined();
  });
});
