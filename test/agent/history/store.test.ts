import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../agent/history/store.js';
import { runQuery } from '../../../shared/query/engine.js';
import type { RangeQuery } from '../../../shared/query/types.js';
import type { Sample } from '../../../shared/schema/message.js';

/** 2026-11-23T10:00:00Z, a whole minute. */
const T0 = 1_795_428_000_000;
const GPU0 = { gpu: '0', uuid: 'GPU-00000000-0000-0000-0000-000000000000' };
const GPU1 = { gpu: '1', uuid: 'GPU-11111111-1111-1111-1111-111111111111' };

const open: HistoryStore[] = [];
function store(file: string, opts: Parameters<typeof HistoryStore.open>[1] = { retentionMs: 24 * 3_600_000 }): HistoryStore {
  const s = HistoryStore.open(file, opts);
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) {
    try {
      s.close();
    } catch {
      // closed by the test itself
    }
  }
});

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'kcloud-history-')), 'history.db');

/** Writes `seconds` 1 Hz batches like the agent does (`now` = the sample time). */
function feed(s: HistoryStore, seconds: number, batch: (i: number) => Sample[], from = 0): void {
  for (let i = from; i < from + seconds; i++) s.append(batch(i), T0 + i * 1000);
}

const q = (over: Partial<RangeQuery>): RangeQuery => ({ metric: 'gpu_power_watts', matchers: [], start: T0, end: T0 + 180_000, step: 60_000, agg: 'avg', ...over });
const gpu0 = [{ label: 'gpu', op: '=', value: '0' }] as const;

describe('agent history store', () => {
  // gpu 0 draws i watts at second i; gpu 1 a steady 50 W (labels arrive in another order: same series).
  const batch = (i: number): Sample[] => [
    { metric: 'gpu_power_watts', labels: GPU0, value: i, ts: T0 + i * 1000 },
    { metric: 'gpu_power_watts', labels: { uuid: GPU1.uuid, gpu: '1' }, value: 50 },
  ];

  it('answers the query engine per minute, sealed minutes and the open one alike', () => {
    const s = store(tempFile());
    feed(s, 180, batch);
    expect(s.findSeries('gpu_power_watts', [{ label: 'gpu', op: '=', value: '1' }]).map((r) => r.labels)).toEqual([GPU1]);
    // Means of 0..59, 60..119, 120..179.
    expect(runQuery(s, q({ matchers: [...gpu0] }))[0]!.points).toEqual([[T0, 29.5], [T0 + 60_000, 89.5], [T0 + 120_000, 149.5]]);
    expect(runQuery(s, q({ matchers: [...gpu0], agg: 'count' }))[0]!.points).toEqual([[T0, 60], [T0 + 60_000, 60], [T0 + 120_000, 60]]);
    expect(runQuery(s, q({ agg: 'last', groupBy: [] }))[0]!.points).toEqual([[T0, 59 + 50], [T0 + 60_000, 119 + 50], [T0 + 120_000, 179 + 50]]);
    expect(s.metrics()).toEqual(['gpu_power_watts']);
  });

  it('reads sealed minutes as one rollup bucket at whole-minute steps and as raw samples otherwise', () => {
    const s = store(tempFile());
    feed(s, 180, batch);
    const [ref] = s.findSeries('gpu_power_watts', [...gpu0]);
    // At 10:02:59 minutes 0 and 1 are sealed; minute 2 is still in the head.
    const rolled = s.readBuckets(ref!.id, T0, T0 + 180_000, 60_000);
    expect(rolled).toHaveLength(2 + 60);
    expect(rolled[0]).toEqual({ ts: T0, min: 0, max: 59, sum: 1770, count: 60, first: 0, last: 59, increase: 59 });
    expect(rolled[2]).toEqual({ ts: T0 + 120_000, min: 120, max: 120, sum: 120, count: 1, first: 120, last: 120, increase: 0 });
    const raw = s.readBuckets(ref!.id, T0 + 30_000, T0 + 90_000, 1_000);
    expect(raw.map((b) => b.ts)).toEqual(Array.from({ length: 60 }, (_, i) => T0 + 30_000 + i * 1000));
    expect(raw.map((b) => b.last)).toEqual(Array.from({ length: 60 }, (_, i) => 30 + i));
    // A step of whole minutes with a partial last minute: that minute comes raw, cut at end.
    expect(s.readBuckets(ref!.id, T0, T0 + 90_000, 60_000).map((b) => b.count)).toEqual([60, ...Array(30).fill(1)]);
  });

  it('keeps one sample per series and time: a re-sent or late sample replaces the old one', () => {
    const s = store(tempFile());
    feed(s, 180, batch);
    // 10:00:00 was sealed long ago; the re-sent reading must not count twice.
    s.append([{ metric: 'gpu_power_watts', labels: GPU0, value: 600, ts: T0 }], T0 + 180_000);
    s.append([{ metric: 'gpu_power_watts', labels: GPU0, value: 700, ts: T0 + 150_000 }], T0 + 180_000);
    const r = (agg: RangeQuery['agg']) => runQuery(s, q({ matchers: [...gpu0], agg }))[0]!.points;
    expect(r('count')).toEqual([[T0, 60], [T0 + 60_000, 60], [T0 + 120_000, 60]]);
    expect(r('max')).toEqual([[T0, 600], [T0 + 60_000, 119], [T0 + 120_000, 700]]);
  });

  it('stores every sample of a large batch, the later of one series and time given twice winning', () => {
    const s = store(tempFile());
    // 120 series: more than one multi-row INSERT and a remainder; the repeat lands in another statement than the first.
    const many = Array.from({ length: 120 }, (_, i): Sample => ({ metric: 'gpu_power_watts', labels: { gpu: String(i), uuid: `GPU-${i}` }, value: i, ts: T0 + 1_000 }));
    s.append([...many, { metric: 'gpu_power_watts', labels: { gpu: '3', uuid: 'GPU-3' }, value: 999, ts: T0 + 1_000 }], T0 + 1_000);
    const points = runQuery(s, q({ start: T0, end: T0 + 60_000, step: 1_000, agg: 'max' }));
    expect(points).toHaveLength(120);
    const of = (gpu: string) => points.find((r) => r.labels.gpu === gpu)!.points;
    expect(of('3')).toEqual([[T0 + 1_000, 999]]);
    expect(of('0')).toEqual([[T0 + 1_000, 0]]);
    expect(of('119')).toEqual([[T0 + 1_000, 119]]);
  });

  it('counts a counter across chunks and a reset', () => {
    const s = store(tempFile());
    // RAPL package energy, +100 J/s, wrapped to 0 at second 90 (a reset to the query engine).
    feed(s, 180, (i) => [{ metric: 'rapl_energy_joules', labels: { zone: 'package-0', domain: 'package' }, value: i < 90 ? 5000 + 100 * i : 100 * (i - 90) }]);
    const r = runQuery(s, q({ metric: 'rapl_energy_joules', step: 180_000, agg: 'increase' }));
    // 89 steps of +100 before the wrap, 0 at the wrap, 89 steps of +100 after.
    expect(r[0]!.points).toEqual([[T0, 17_800]]);
    const perMinute = runQuery(s, q({ metric: 'rapl_energy_joules', agg: 'increase' }));
    expect(perMinute[0]!.points).toEqual([[T0, 5900], [T0 + 60_000, 6000 - 100], [T0 + 120_000, 6000]]);
  });

  it('prunes by retention and forgets series left without samples', () => {
    const s = store(tempFile(), { retentionMs: 120_000 });
    feed(s, 60, (i) => [...batch(i), { metric: 'ipmi_fan_rpm', labels: { sensor: 'Fan1' }, value: 8400 }]);
    feed(s, 180, batch, 60);
    s.prune(T0 + 240_000);
    // Samples before 10:02:00 are gone; Fan1 (last seen at 10:00:59) is forgotten.
    expect(runQuery(s, q({ matchers: [...gpu0], end: T0 + 240_000, agg: 'count' }))[0]!.points).toEqual([[T0 + 120_000, 60], [T0 + 180_000, 60]]);
    expect(s.findSeries('ipmi_fan_rpm', [])).toEqual([]);
    expect(s.metrics()).toEqual(['gpu_power_watts']);
  });

  it('opens read-only beside the writer, adds its own labels, and refuses writes', () => {
    const file = tempFile();
    const w = store(file);
    feed(w, 90, batch);
    const r = store(file, { retentionMs: 0, readonly: true, labels: { node: 'gpu-01', cluster: 'lab' } });
    expect(r.findSeries('gpu_power_watts', [{ label: 'node', op: '=', value: 'gpu-01' }, ...gpu0]).map((x) => x.labels)).toEqual([{ node: 'gpu-01', cluster: 'lab', ...GPU0 }]);
    // Samples the writer commits later are visible to the open reader.
    feed(w, 30, batch, 90);
    expect(runQuery(r, q({ matchers: [...gpu0], end: T0 + 120_000, agg: 'count' }))[0]!.points).toEqual([[T0, 60], [T0 + 60_000, 60]]);
    expect(() => r.append(batch(0), T0)).toThrow(/read-only/);
    expect(() => HistoryStore.open(join(tmpdir(), 'kcloud-no-such-dir', 'history.db'), { retentionMs: 0, readonly: true })).toThrow();
  });

  it('keeps the open minute across a restart and seals it later', () => {
    const file = tempFile();
    const first = store(file);
    feed(first, 90, batch);
    first.close();
    const second = store(file);
    feed(second, 90, batch, 90);
    expect(runQuery(second, q({ matchers: [...gpu0], agg: 'count' }))[0]!.points).toEqual([[T0, 60], [T0 + 60_000, 60], [T0 + 120_000, 60]]);
    const [ref] = second.findSeries('gpu_power_watts', [...gpu0]);
    expect(second.readBuckets(ref!.id, T0, T0 + 120_000, 60_000).map((b) => b.count)).toEqual([60, 60]);
  });

  it('replaces the tables of a version 1 file', () => {
    const file = tempFile();
    const v1 = new Database(file);
    v1.exec(`CREATE TABLE series (id INTEGER PRIMARY KEY, metric TEXT NOT NULL, labels TEXT NOT NULL, UNIQUE (metric, labels));
      CREATE TABLE samples (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID;`);
    v1.close();
    const s = store(file);
    feed(s, 61, batch);
    expect(runQuery(s, q({ matchers: [...gpu0], agg: 'count' }))[0]!.points).toEqual([[T0, 60], [T0 + 60_000, 1]]);
  });
});
