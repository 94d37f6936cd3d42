import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OPENMETRICS_EOF, openMetricsTimestamp, seriesKey, toOpenMetrics, VmJsonLines } from '../../bench/compare-tsdb-formats.js';
import { runMeasured } from '../../bench/compare-tsdb-peers.js';
import { PROMTOOL_BIN, requireTool } from '../helpers/prometheus.js';
import { Fleet, type Row } from '../hub/tsdb/helpers/workload.js';

// The workload's own rows plus values and labels that a careless text writer would bend.
function rows(): Row[] {
  const start = Date.UTC(2026, 0, 5, 2);
  const fleet = new Fleet(2, 2, start, 3, 12);
  const out: Row[] = [];
  for (let t = 0; t < 20; t++) out.push(...fleet.next());
  const odd = { cluster: 'c1', node: 'a "quoted" \\ node', gpu: '0' };
  [-0, 1e-7, 123456.789, 0.1 + 0.2, -42.5, 2 ** 53 + 2, 1.7976931348623157e308].forEach((value, i) => out.push({ metric: 'odd_values', labels: odd, ts: start + i * 1001 + 7, value }));
  return out;
}

/** Series key -> [ts, value] in time order. */
function bySeries(list: Row[]): Map<string, [number, number][]> {
  const m = new Map<string, [number, number][]>();
  for (const r of list) {
    const k = seriesKey(r.metric, r.labels);
    m.set(k, [...(m.get(k) ?? []), [r.ts, r.value]]);
  }
  return m;
}

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('compare-tsdb import formats', () => {
  it('writes millisecond timestamps as exact decimal seconds', () => {
    expect(openMetricsTimestamp(1767571200003)).toBe('1767571200.003');
    expect(openMetricsTimestamp(1767571200000)).toBe('1767571200.000');
    expect(() => openMetricsTimestamp(1.5)).toThrow(/whole number/);
  });

  it('OpenMetrics text reads back through promtool with every label, timestamp and value bit for bit', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kcloud-om-'));
    const input = rows();
    writeFileSync(join(dir, 'in.om'), toOpenMetrics(input) + OPENMETRICS_EOF);
    const data = join(dir, 'data');
    await runMeasured(requireTool(PROMTOOL_BIN), ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'in.om'), data]);
    mkdirSync(join(data, 'wal'));
    const { output } = await runMeasured(PROMTOOL_BIN, ['tsdb', 'dump', data]);
    // Lines as `{__name__="m", k="v"} <value %g> <ts ms>`; label values quoted Go-style (JSON-compatible for ASCII).
    const read: Row[] = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((line) => {
        const close = line.lastIndexOf('} ');
        const labels = Object.fromEntries([...line.slice(1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, JSON.parse(`"${m[2]!}"`) as string]));
        const [value, ts] = line.slice(close + 2).split(' ');
        const { __name__: metric, ...rest } = labels;
        return { metric: metric!, labels: rest, ts: Number(ts), value: Number(value) };
      });
    const want = bySeries(input);
    const got = bySeries(read);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    // toEqual compares numbers with Object.is: -0 must come back as -0.
    for (const [k, samples] of want) expect(got.get(k), k).toEqual(samples);
  });

  it('VictoriaMetrics import lines hold every sample of a series once, then start over', () => {
    const input = rows();
    const lines = new VmJsonLines();
    lines.add(input.slice(0, 100));
    lines.add(input.slice(100));
    expect(lines.size).toBe(input.length);
    const read: Row[] = lines
      .take()
      .trim()
      .split('\n')
      .flatMap((l) => {
        const { metric, values, timestamps } = JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
        const { __name__: name, ...labels } = metric;
        return timestamps.map((ts, i) => ({ metric: name!, labels, ts, value: values[i]! }));
      });
    // JSON has no -0: VictoriaMetrics reads 0, the same number.
    expect(bySeries(read)).toEqual(bySeries(input.map((r) => ({ ...r, value: r.value === 0 ? 0 : r.value }))));
    expect(lines.size).toBe(0);
    expect(lines.take()).toBe('');
    expect(() => lines.add([{ metric: 'm', labels: {}, ts: 1, value: NaN }])).toThrow(/no JSON form/);
  });
});
