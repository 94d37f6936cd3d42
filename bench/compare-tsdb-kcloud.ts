/**
 * kcloud's side of bench/compare-tsdb.ts: the data set loaded through the
 * store's public facade (openTsdb) in-process, the same data published over
 * the real MQTT path into a hub child process, and queries through the
 * engine (runQuery) and the REST API (/api/v1/monitoring/query) of a real hub.
 */
import { rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { hubFiles } from '../hub/core/paths.js';
import { openTsdb, type Tsdb } from '../hub/tsdb/store.js';
import { runQuery } from '../shared/query/engine.js';
import type { RangeQuery } from '../shared/query/types.js';
import { metricDef } from '../shared/metrics/index.js';
import { MESSAGE_VERSION } from '../shared/schema/message.js';
import { Fleet, type Row } from '../test/hub/tsdb/helpers/workload.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from '../test/helpers/hub.js';
import { startBuiltHub } from './built-hub.js';
import { sendPaced } from './pace.js';

/** The store as the hub opens it: counters get reset-aware increases (hub/core/store-options.ts). */
const isCounter = (metric: string) => metricDef(metric)?.type === 'counter';

export interface KcloudLoad {
  samples: number;
  /** CPU of write(), seal(), flush() and applyRetention(), this process (generation not counted). */
  cpuSeconds: number;
  /** The file after close (SQLite checkpoints the WAL into it and removes it), plus any -wal left. */
  bytes: number;
  /** The file plus -wal while still open, after the vacuum. */
  bytesOpen: number;
  transactions: number;
}

/**
 * Writes `ticks` seconds of `fleet` into a new store at `file`, `perTx`
 * node messages (one node's tick each) a transaction, sealing every minute
 * of data time as the hub's maintenance would, then flush, retention and
 * vacuum: the file fully compacted. `onRows` sees every row (spot checks).
 */
export function loadKcloud(file: string, fleet: Fleet, ticks: number, perTx: number, onRows: (rows: Row[]) => void): KcloudLoad {
  let clock = 0;
  const db = openTsdb(file, { isCounter, now: () => clock });
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let cpuSeconds = 0;
  let samples = 0;
  let transactions = 0;
  const perNode = fleet.gpusPerNode * fleet.metricsPerGpu;
  for (let tick = 0; tick < ticks; tick++) {
    const rows = fleet.next();
    onRows(rows);
    clock = rows[0]!.ts;
    const c0 = cpu();
    for (let i = 0; i < rows.length; i += perTx * perNode) {
      const r = db.write(rows.slice(i, i + perTx * perNode));
      if (r.rejected || r.duplicates) throw new Error(`kcloud write: ${r.rejected} rejected, ${r.duplicates} duplicates`);
      samples += r.written;
      transactions++;
    }
    if (tick % 60 === 59) db.seal(clock);
    cpuSeconds += cpu() - c0;
  }
  const c0 = cpu();
  db.flush();
  db.applyRetention(clock);
  cpuSeconds += cpu() - c0;
  const bytesOpen = db.stats().bytes;
  db.close();
  return { samples, cpuSeconds, bytes: fileBytes(file), bytesOpen, transactions };
}

const fileBytes = (file: string) => [file, `${file}-wal`].reduce((a, f) => a + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);

/** The store reopened for the in-process engine queries. */
export function openForQueries(file: string): Tsdb {
  return openTsdb(file, { isCounter });
}

export function engineQuery(db: Tsdb, q: RangeQuery): number {
  return runQuery(db, q).reduce((a, s) => a + s.points.length, 0);
}

/** A real hub (in this process, from source) on the data dir holding the loaded tsdb.db; response cache off. */
export interface RestHub {
  query(q: RangeQuery): Promise<number>;
  stop(): Promise<void>;
}

export async function startRestHub(dataDir: string): Promise<RestHub> {
  const th: TestHub = await startTestHub({ dataDir, log: { level: 'warn' } });
  const authorization = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
  return {
    async query(q) {
      const matchers = q.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(',');
      const params = new URLSearchParams({ selector: `${q.metric}{${matchers}}`, start: String(q.start), end: String(q.end), step: `${q.step / 1000}s`, agg: q.agg });
      if (q.groupBy) params.set('group_by', q.groupBy.join(','));
      const res = await fetch(`${th.api}/api/v1/monitoring/query?${params}`, { headers: { authorization } });
      const text = await res.text();
      if (!res.ok) throw new Error(`/monitoring/query: ${res.status} ${text.slice(0, 500)}`);
      const body = JSON.parse(text) as { data: { series: { points: unknown[] }[] } };
      return body.data.series.reduce((a, s) => a + s.points.length, 0);
    },
    async stop() {
      await th.hub.stop();
      // startTestHub keeps its hub.yaml in a temp dir of its own.
      rmSync(dirname(th.configFile), { recursive: true, force: true });
    },
  };
}

export interface MqttIngest {
  samples: number;
  seconds: number;
  cpuSeconds: number;
  /** Samples published in all, warm-up included, and those the hub's store holds after it stopped (the same, or the run failed). */
  published: number;
  stored: number;
  hub: string;
}

/**
 * The real ingest path: the hub (bench/built-hub.ts: dist/, or the source
 * with BENCH_HUB_SOURCE=1) with its embedded broker, one MQTT client per
 * node publishing each node's tick of `fleet` as one QoS 1 JSON message
 * (the agent's shape: node and cluster in the envelope), paced at `rate`
 * samples/s; the hub's CPU over the measured part, after a warm-up.
 */
export async function mqttIngest(fleet: Fleet, rate: number, warmupSeconds: number, seconds: number): Promise<MqttIngest> {
  const nodes = Array.from({ length: fleet.nodes }, (_, n) => `gpu-node-${String(n).padStart(3, '0')}`);
  const hub = await startBuiltHub(new Map(nodes.map((n) => [n, 'c1'])));
  const clients: Awaited<ReturnType<typeof hub.connect>>[] = [];
  try {
    for (const n of nodes) clients.push(await hub.connect(n));
    const seqs = new Map<string, number>();
    const metrics = new Set<string>();
    let queue: Buffer[] = [];
    let queueNodes: string[] = [];
    const nextMessage = (): [string, Buffer] => {
      if (queue.length === 0) {
        const byNode = new Map<string, { metric: string; labels: { gpu: string; uuid: string }; ts: number; value: number }[]>();
        for (const r of fleet.next()) {
          metrics.add(r.metric);
          const list = byNode.get(r.labels.node!) ?? [];
          list.push({ metric: r.metric, labels: { gpu: r.labels.gpu!, uuid: r.labels.uuid! }, ts: r.ts, value: r.value });
          byNode.set(r.labels.node!, list);
        }
        queueNodes = [...byNode.keys()];
        queue = [...byNode.entries()].map(([node, samples]) => {
          const seq = (seqs.get(node) ?? 0) + 1;
          seqs.set(node, seq);
          return Buffer.from(JSON.stringify({ v: MESSAGE_VERSION, cluster: 'c1', node, seq, ts: samples[0]!.ts, samples }));
        });
      }
      return [queueNodes.shift()!, queue.shift()!];
    };
    const client = new Map(nodes.map((n, i) => [n, clients[i]!]));
    const perMessage = fleet.gpusPerNode * fleet.metricsPerGpu;
    let published = 0;
    const phase = async (secs: number) => {
      const pending = new Set<Promise<unknown>>();
      let failure: Error | null = null;
      await sendPaced(rate / perMessage, secs, 5, () => {
        const [node, payload] = nextMessage();
        const p = client.get(node)!.publishAsync(`kcloud/v1/c1/${node}/telemetry`, payload, { qos: 1 }).then(
          () => (published += perMessage),
          (err: Error) => (failure = err),
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
      });
      await Promise.all(pending);
      if (failure) throw failure;
    };
    await phase(warmupSeconds);
    const before = published;
    const cpu0 = hub.cpuSeconds();
    const t0 = performance.now();
    await phase(seconds);
    const elapsed = (performance.now() - t0) / 1000;
    const cpuSeconds = hub.cpuSeconds() - cpu0;
    await Promise.all(clients.map((c) => c.endAsync()));
    clients.length = 0;
    await hub.stop();
    const db = openForQueries(hubFiles(hub.dataDir).tsdb);
    // The fleet's series only: the hub stores series of its own as well.
    let stored = 0;
    for (const metric of metrics) {
      for (const ref of db.findSeries(metric, [{ label: 'cluster', op: '=', value: 'c1' }])) stored += db.readSamples(ref.id, 0, Number.MAX_SAFE_INTEGER).ts.length;
    }
    db.close();
    return { samples: published - before, seconds: elapsed, cpuSeconds, published, stored, hub: process.env.BENCH_HUB_SOURCE ? 'hub from source (tsx)' : 'built hub (dist/)' };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync()));
    await hub.stop();
    rmSync(dirname(hub.dataDir), { recursive: true, force: true });
  }
}
