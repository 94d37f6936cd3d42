import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { hubFiles } from '../../hub/core/paths.js';
import { openTsdb } from '../../hub/tsdb/store.js';
import { connectWhenUp, exited, runHubCli, spawnHub, telemetry, writeHubConfig } from '../helpers/hub.js';
import { storedSeqs } from '../helpers/ledger.js';
import { freePort } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/spawn-agent.js';

const SAMPLES_PER_BATCH = 5;

/** Publishes seqs [from, to] with QoS 1, at most `window` unacknowledged at once; resolves when all are acked or the connection dies. */
async function publishRange(c: MqttClient, from: number, to: number, batch: (seq: number) => Buffer, acked: Set<number>, window = 64): Promise<void> {
  let next = from;
  let inflight = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      if (!c.connected) return inflight === 0 || c.disconnecting ? resolve() : undefined;
      while (inflight < window && next <= to) {
        const s = next++;
        inflight += 1;
        c.publish('kcloud/v1/lab/gpu-01/telemetry', batch(s), { qos: 1 }, (err) => {
          inflight -= 1;
          if (!err) acked.add(s);
          pump();
        });
      }
      if (inflight === 0 && next > to) resolve();
    };
    c.once('close', () => resolve());
    pump();
  });
}

describe('hub process durability (kcloud-hub run as a child process)', () => {
  it('after kill -9 during ingest every acknowledged (node, seq) is stored, and exactly once after redelivery', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-hub-kill-'));
    const dataDir = join(dir, 'data');
    const port = await freePort();
    // A wide group-commit window: were a PUBACK sent before its commit, a kill would almost surely land in between.
    const config = writeHubConfig(`dataDir: ${dataDir}\nbroker:\n  host: 127.0.0.1\n  port: ${port}\ningest:\n  groupCommit: 50ms\n`, dir);
    const pwFile = join(dir, 'gpu-01.password');
    expect((await runHubCli(['node', 'add', 'gpu-01', '--cluster', 'lab', '--password-file', pwFile, '--config', config])).code).toBe(0);
    const password = readFileSync(pwFile, 'utf8').trim();
    const url = `mqtt://127.0.0.1:${port}`;
    const login = { username: 'gpu-01', password, reconnectPeriod: 0 };

    // Seqs as a fresh agent outbox makes them; sample times recent (inside raw retention) and unique per sample.
    const S0 = Date.now();
    const base = Math.floor(Date.now() / 1000) * 1000 - 1_800_000;
    const tsOf = (seq: number, k: number) => base + (seq - S0) * 10 + k;
    const batch = (seq: number) =>
      telemetry('lab', 'gpu-01', seq, Array.from({ length: SAMPLES_PER_BATCH }, (_, k) => ({ metric: 'gpu_power_watts', labels: { gpu: String(k) }, value: seq - S0 + k / 10, ts: tsOf(seq, k) })));

    let hub = spawnHub(['run', '--config', config]);
    const ackedBeforeKill = new Set<number>();
    const LAST = S0 + 20_000;
    try {
      const c = await connectWhenUp(url, login, hub);
      // Kill -9 once a few hundred batches are acknowledged, while the publisher keeps up to 64 in flight.
      const killer = waitFor(() => ackedBeforeKill.size >= 400, 60_000, '400 acknowledged batches').then(() => hub.kill('SIGKILL'));
      await publishRange(c, S0, LAST, batch, ackedBeforeKill);
      await killer;
      await exited(hub);
      c.end(true);
      expect(hub.signalCode).toBe('SIGKILL');
      expect(ackedBeforeKill.size).toBeLessThan(LAST - S0 + 1);

      // Before any redelivery: every batch acknowledged before the kill is in both databases.
      const seqs = seqsStored(dataDir);
      expect([...ackedBeforeKill].filter((s) => !seqs.has(s))).toEqual([]);
      const ts = new Set(sampleTimes(dataDir));
      const lostSamples = [...ackedBeforeKill].flatMap((s) => Array.from({ length: SAMPLES_PER_BATCH }, (_, k) => tsOf(s, k))).filter((t) => !ts.has(t));
      expect(lostSamples).toEqual([]);

      // Restart; the "agent" sends everything again from its first seq (acknowledged ones are redeliveries).
      hub = spawnHub(['run', '--config', config]);
      const c2 = await connectWhenUp(url, login, hub);
      const sent = Math.max(...ackedBeforeKill) + 50;
      const acked2 = new Set<number>();
      await publishRange(c2, S0, sent, batch, acked2);
      expect(acked2.size).toBe(sent - S0 + 1);
      await c2.endAsync();
      hub.kill('SIGTERM');
      await exited(hub);
      expect(hub.exitCode).toBe(0);

      expect(seqsStored(dataDir).size).toBe(sent - S0 + 1);
      const times = sampleTimes(dataDir);
      expect(times.length).toBe((sent - S0 + 1) * SAMPLES_PER_BATCH);
      expect(new Set(times).size).toBe(times.length);
    } finally {
      hub.kill('SIGKILL');
    }
  }, 180_000);
});

function seqsStored(dataDir: string): Set<number> {
  const db = new Database(hubFiles(dataDir).db, { readonly: true });
  try {
    return storedSeqs(db, 'gpu-01');
  } finally {
    db.close();
  }
}

/** Every raw sample time of gpu-01's gpu_power_watts series, duplicates included. */
function sampleTimes(dataDir: string): number[] {
  const tsdb = openTsdb(hubFiles(dataDir).tsdb);
  try {
    return tsdb
      .findSeries('gpu_power_watts', [{ label: 'node', op: '=', value: 'gpu-01' }])
      .flatMap((s) => [...tsdb.readSamples(s.id, 0, Date.now() + 3_600_000).ts]);
  } finally {
    tsdb.close();
  }
}
