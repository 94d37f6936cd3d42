import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteWriteTargetSchema, type RemoteWriteTarget } from '../../../hub/remote-write/config.js';
import { startRemoteWrite, type RemoteWrite } from '../../../hub/remote-write/remote-write.js';
import { openTsdb, type Tsdb, type TsdbRow } from '../../../hub/tsdb/store.js';
import { Value } from '@sinclair/typebox/value';
import { memoryLogger } from '../../helpers/logger.js';
import { freePort } from '../../helpers/mosquitto.js';
import { waitFor } from '../../helpers/spawn-agent.js';
import { startPrometheusReceiver, startVictoriaMetrics, type Engine } from './engines.js';

const NO_SECRETS = { get: () => null };

function target(url: string, overrides: Partial<RemoteWriteTarget['queue']> = {}): RemoteWriteTarget {
  const t = Value.Default(RemoteWriteTargetSchema, { url, queue: { minBackoff: '50ms', maxBackoff: '500ms', ...overrides } }) as RemoteWriteTarget;
  return t;
}

interface Rig {
  tsdb: Tsdb;
  file: string;
  registry: Registry;
  rw: RemoteWrite;
  logs: ReturnType<typeof memoryLogger>;
}

/** A real tsdb whose head log the queue reads, held by the queue as the hub wires it. */
function rig(targets: RemoteWriteTarget[], file = join(mkdtempSync(join(tmpdir(), 'kcloud-rw-')), 'tsdb.db')): Rig {
  let rw: RemoteWrite | null = null;
  const tsdb = openTsdb(file, { logHold: (w) => rw?.hold(w) ?? Infinity });
  const registry = new Registry();
  const logs = memoryLogger();
  rw = startRemoteWrite(targets, { tsdbFile: file, secrets: NO_SECRETS, registry, logger: logs.log })!;
  return { tsdb, file, registry, rw, logs };
}

async function close(r: Rig): Promise<void> {
  await r.rw.stop();
  r.tsdb.close();
}

/** `n` samples per GPU of one node, 1 s apart from `t0`, with values that are not integers and some negative. */
function batch(node: string, gpus: number, t0: number, n: number): TsdbRow[] {
  const rows: TsdbRow[] = [];
  for (let i = 0; i < n; i++) {
    for (let g = 0; g < gpus; g++) rows.push({ metric: 'gpu_power_watts', labels: { cluster: 'lab', node, gpu: String(g) }, ts: t0 + i * 1000, value: (i - 3) * 10.25 + g / 8 });
  }
  return rows;
}

/** What the engine should hold for `rows`: per series key, [ts, value] oldest first. */
function expected(rows: readonly TsdbRow[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const r of rows) {
    const key = `${r.labels!.node}/${r.labels!.gpu}`;
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push([r.ts, r.value]);
  }
  for (const v of out.values()) v.sort((a, b) => a[0] - b[0]);
  return out;
}

async function stored(engine: Engine, node: string): Promise<Map<string, [number, number][]>> {
  const series = await engine.series(`gpu_power_watts{node="${node}"}`);
  return new Map(series.map((s) => [`${s.labels.node}/${s.labels.gpu}`, s.samples]));
}

const drained = (r: Rig) => waitFor(() => r.rw.status()[0]!.pendingSamples === 0, 60_000, 'queue drained');

describe.each([
  ['VictoriaMetrics', startVictoriaMetrics],
  ['Prometheus --web.enable-remote-write-receiver', startPrometheusReceiver],
])('remote write to %s (real engine)', (_name, startEngine) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine();
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('forwards every committed sample exactly (values, timestamps, labels with node and cluster) and counts them on /metrics', async () => {
    const r = rig([target(engine.writeUrl)]);
    try {
      const t0 = Date.now() - 600_000;
      const rows = [...batch('exact', 4, t0, 5), ...batch('exact', 4, t0 + 5000, 5), ...batch('exact', 4, t0 + 10_000, 3)];
      for (const b of [rows.slice(0, 20), rows.slice(20, 40), rows.slice(40)]) r.tsdb.write(b);
      await drained(r);
      expect(await stored(engine, 'exact')).toEqual(expected(rows));
      const [s] = await engine.series('gpu_power_watts{node="exact",gpu="0"}');
      expect(s!.labels).toEqual({ __name__: 'gpu_power_watts', cluster: 'lab', node: 'exact', gpu: '0' });
      const status = r.rw.status()[0]!;
      expect(status).toMatchObject({ sent: rows.length, failed: 0, dropped: {}, pendingSamples: 0, lagSeconds: 0 });
      const text = await r.registry.metrics();
      expect(text).toContain(`kcloud_hub_remote_write_sent_samples_total{remote="${engine.writeUrl}"} ${rows.length}`);
      expect(text).toContain(`kcloud_hub_remote_write_pending_samples{remote="${engine.writeUrl}"} 0`);
    } finally {
      await close(r);
    }
  });

  it('loses nothing while the receiver is down: retries with backoff, then sends the backlog in order', async () => {
    const r = rig([target(engine.writeUrl)]);
    try {
      const t0 = Date.now() - 500_000;
      const before = batch('outage', 2, t0, 5);
      r.tsdb.write(before);
      await drained(r);
      await engine.stop();
      const during = [batch('outage', 2, t0 + 5000, 5), batch('outage', 2, t0 + 10_000, 5)];
      r.tsdb.write(during[0]!);
      await waitFor(() => r.rw.status()[0]!.failed >= 2, 30_000, 'failed sends while down');
      r.tsdb.write(during[1]!);
      expect(r.rw.status()[0]!.pendingSamples).toBe(20);
      expect(await r.registry.metrics()).toMatch(new RegExp(`kcloud_hub_remote_write_lag_seconds\\{remote="${engine.writeUrl}"\\} [1-9]`));
      await engine.start();
      await drained(r);
      expect(await stored(engine, 'outage')).toEqual(expected([...before, ...during.flat()]));
      expect(r.rw.status()[0]).toMatchObject({ sent: 30, dropped: {} });
    } finally {
      await close(r);
    }
  });

  it('resumes after a restart from its durable cursor: nothing resent, nothing skipped, even past a seal', async () => {
    const first = rig([target(engine.writeUrl)]);
    const t0 = Date.now() - 400_000;
    const a = batch('resume', 2, t0, 5);
    first.tsdb.write(a);
    await drained(first);
    await first.rw.stop();
    // Written while no queue runs (the hub is down between two commits, or crashed after this one).
    const b = batch('resume', 2, t0 + 5000, 5);
    first.tsdb.write(b);
    // A seal (here of every window) keeps the records the queue has not sent.
    first.tsdb.flush();
    first.tsdb.close();
    const second = rig([target(engine.writeUrl)], first.file);
    try {
      await drained(second);
      expect(second.rw.status()[0]!.sent).toBe(b.length);
      expect(await stored(engine, 'resume')).toEqual(expected([...a, ...b]));
      // Sent: the next seal deletes the records and drops the head table.
      second.tsdb.flush();
      const db = new Database(second.file, { readonly: true });
      const heads = db.prepare("SELECT count(*) FROM sqlite_master WHERE name GLOB 'head_[0-9]*'").pluck().get();
      db.close();
      expect(heads).toBe(0);
    } finally {
      await close(second);
    }
  });
});

describe('remote write refusals and bounds', () => {
  let prom: Engine;
  beforeAll(async () => {
    prom = await startPrometheusReceiver();
  });
  afterAll(async () => {
    await prom?.stop();
  });

  it('drops what the receiver refuses as invalid (4xx), counts it per cause, logs the cause once, and goes on', async () => {
    const r = rig([target(prom.writeUrl)]);
    try {
      const t0 = Date.now() - 300_000;
      r.tsdb.write(batch('refused', 1, t0 + 10_000, 1));
      await drained(r);
      // Older than what Prometheus has for the series: "out of order sample", a 400, twice.
      r.tsdb.write(batch('refused', 1, t0, 1));
      await drained(r);
      r.tsdb.write(batch('refused', 1, t0 + 1000, 1));
      await drained(r);
      r.tsdb.write(batch('refused', 1, t0 + 20_000, 1));
      await drained(r);
      expect(await stored(prom, 'refused')).toEqual(expected([...batch('refused', 1, t0 + 10_000, 1), ...batch('refused', 1, t0 + 20_000, 1)]));
      expect(r.rw.status()[0]).toMatchObject({ sent: 2, failed: 0, dropped: { refused_400: 2 } });
      expect(await r.registry.metrics()).toContain(`kcloud_hub_remote_write_dropped_samples_total{remote="${prom.writeUrl}",cause="refused_400"} 2`);
      const warnings = r.logs.lines().filter((l) => l.cause === 'refused_400');
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0]!.detail)).toMatch(/^400 .*out of (order|bounds)/);
    } finally {
      await close(r);
    }
  });

  it('refuses to start when a credential names a secret hub.db does not hold, naming the key', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kcloud-rw-')), 'tsdb.db');
    openTsdb(file).close();
    const start = (t: Partial<RemoteWriteTarget>) => () => startRemoteWrite([{ ...target(prom.writeUrl), ...t }], { tsdbFile: file, secrets: NO_SECRETS, registry: new Registry(), logger: memoryLogger().log });
    expect(start({ bearerTokenSecret: 'vm-token' })).toThrow('storage.remoteWrite[0].bearerTokenSecret: no secret named "vm-token" in hub.db');
    expect(start({ basicAuth: { username: 'u', passwordSecret: 'vm-pw' } })).toThrow('storage.remoteWrite[0].basicAuth.passwordSecret: no secret named "vm-pw" in hub.db');
  });

  it('bounds the queue by bytes and by age while the receiver is unreachable: the oldest are dropped and counted', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}/api/v1/write`;
    const r = rig([target(nobody, { maxBytes: 24 * 10, maxAge: '1h' })]);
    try {
      // Three hours old: its window ended before maxAge.
      r.tsdb.write(batch('old', 5, Date.now() - 3 * 3_600_000, 1));
      for (let i = 0; i < 3; i++) r.tsdb.write(batch('bytes', 10, Date.now() - 60_000 + i * 1000, 1));
      // The drops come before the first try; the first failed try after them.
      await waitFor(() => (r.rw.status()[0]!.dropped.max_bytes ?? 0) === 20 && r.rw.status()[0]!.failed > 0, 30_000, 'oldest records dropped for maxBytes, then a failed try');
      const s = r.rw.status()[0]!;
      expect(s).toMatchObject({ pendingSamples: 10, sent: 0, dropped: { max_age: 5, max_bytes: 20 } });
      expect(s.lastError).toMatch(/^network: /);
    } finally {
      await close(r);
    }
  });
});
