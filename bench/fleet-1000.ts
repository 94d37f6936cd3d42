/**
 * Fleet benchmark (issue 19): BENCH_AGENTS (default 1 000) simulated agents,
 * each its own node credential and MQTT connection, publishing one QoS 1
 * batch every BENCH_PERIOD_S (default 10) s: 8 GPUs x every per-GPU metric of
 * the catalogue (152 samples), staggered evenly over the period, into one hub
 * (a child process, embedded broker; bench/built-hub.ts). After one warm-up
 * period (series created, not counted) it measures BENCH_SECONDS (default
 * 60) s and prints: samples/s committed (a PUBACK means committed),
 * publish-to-PUBACK p50/p99, hub CPU seconds per million samples, hub RSS.
 *
 * BENCH_TOPOLOGY=two-hubs: instead, two ingest hubs in external-broker mode
 * (group `ingest`, MQTT 5 shared subscription) behind one mosquitto 2 that
 * checks the agents' node credentials and ACL (docs/hub.md's example), both
 * remote-writing to one VictoriaMetrics (storage.remoteWrite). A PUBACK then
 * means mosquitto took the batch, so "committed" counts the samples the hubs
 * stored (their status.json ingest counters) during the window, after waiting
 * up to 60 s for them to drain; it also prints each hub's share, CPU and RSS
 * and its remote-write lag (status.json, highest seen and at the end).
 * Every process started (hubs, mosquitto, VictoriaMetrics) is stopped at the
 * end, also on failure.
 *
 * Reconnects: a third of the way into the window, BENCH_DROP (default 0.1)
 * of the agents lose their TCP connection (the socket destroyed, as after a
 * network blip); like the agent (agent/publish) they reconnect after 1 s with
 * a clean session and send again every batch not acknowledged (mqtt.js
 * resends its in-flight QoS 1 publishes, and queues new ones while offline).
 * Prints the reconnect count and the time from drop to CONNACK, and checks
 * that every batch acknowledged in the window is in a hub's dedupe ledger
 * (hub.db): nothing lost; batches stored by both hubs are counted. PUBACK
 * percentiles leave out the publishes a drop caught (printed apart).
 *
 *   BENCH_HUB_SOURCE=1 npx tsx bench/fleet-1000.ts   (or the built hub after npm run build)
 *   BENCH_TOPOLOGY=two-hubs BENCH_HUB_SOURCE=1 npx tsx bench/fleet-1000.ts
 *   BENCH_REMOTE_WRITE=1 BENCH_HUB_SOURCE=1 npx tsx bench/fleet-1000.ts   (one hub, also remote-writing to VictoriaMetrics)
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { readHubState } from '../hub/core/status-file.js';
import { GPU_METRICS } from '../shared/metrics/gpu.js';
import { MESSAGE_VERSION } from '../shared/schema/message.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { startVictoriaMetrics } from '../test/hub/remote-write/engines.js';
import { connectNode, NODE_PASSWORD, startBuiltHub, type BuiltHub } from './built-hub.js';

const TWO_HUBS = process.env.BENCH_TOPOLOGY === 'two-hubs';
if (process.env.BENCH_TOPOLOGY && !TWO_HUBS) throw new Error(`BENCH_TOPOLOGY=${process.env.BENCH_TOPOLOGY}: only two-hubs (or unset: one hub)`);
/** One hub: also remote-write to a VictoriaMetrics (the two hubs always do). */
const REMOTE_WRITE = process.env.BENCH_REMOTE_WRITE === '1';
const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const PERIOD_MS = Number(process.env.BENCH_PERIOD_S ?? 10) * 1000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const DROP = Number(process.env.BENCH_DROP ?? 0.1);
if (!(DROP >= 0 && DROP <= 1)) throw new Error(`BENCH_DROP=${process.env.BENCH_DROP}: a fraction of the agents, 0 to 1`);
/** The agent's first reconnect delay (agent/publish/client-options.ts). */
const RECONNECT_MS = 1000;
const METRICS = GPU_METRICS.filter((m) => m.labels.join() === 'gpu,uuid').map((m) => m.name);
const PER_BATCH = 8 * METRICS.length;
const uuid = (n: number, g: number) => `GPU-${String(n).padStart(8, '0')}-0000-4000-8000-${String(g).padStart(12, '0')}`;

const names = Array.from({ length: AGENTS }, (_, n) => `fleet-${n}`);
const nodes = new Map(names.map((n) => [n, 'fleet']));
/** What the end stops, last started first; run also when a step fails. */
const stoppers: (() => Promise<void>)[] = [];
const hubs: BuiltHub[] = [];
let connect: (node: string) => Promise<MqttClient>;
const clients: MqttClient[] = [];

const HUB_USER = 'kcloud-hub';
const HUB_PASSWORD = 'bench-hub-password';
/** Mosquitto checking node credentials and the ACL of docs/hub.md; two hubs sharing its telemetry, remote-writing to VictoriaMetrics. */
async function startTwoHubs(): Promise<void> {
  console.log('starting VictoriaMetrics and mosquitto...');
  const vm = await startVictoriaMetrics();
  stoppers.push(() => vm.stop());
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-bench-broker-'));
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, [...names.map((n) => `${n}:${NODE_PASSWORD}`), `${HUB_USER}:${HUB_PASSWORD}`].join('\n') + '\n', { mode: 0o600 });
  execFileSync('mosquitto_passwd', ['-U', passwd]);
  const acl = join(dir, 'acl');
  // docs/hub.md's example: each agent only under its own node name; the hubs' account reads telemetry (shared), status, inventory, and writes its state.
  writeFileSync(acl, ['pattern write kcloud/v1/+/%u/+', `user ${HUB_USER}`, 'topic read $share/ingest/kcloud/v1/#', 'topic read kcloud/v1/#', 'topic readwrite kcloud/hubs/+/state'].join('\n') + '\n');
  const broker = await startMosquitto({ allowAnonymous: false, extraConfig: `password_file ${passwd}\nacl_file ${acl}\nmax_queued_messages 100000\n` });
  stoppers.push(() => broker.stop());
  const hubPassword = join(dir, 'hub-password');
  writeFileSync(hubPassword, HUB_PASSWORD, { mode: 0o600 });
  console.log(`registering ${AGENTS} nodes in each hub and starting two hubs...`);
  for (const id of ['hub-a', 'hub-b']) {
    const hub = await startBuiltHub(
      nodes,
      `storage: { remoteWrite: [ { url: '${vm.writeUrl}', name: vm } ] }\n`,
      `{ mode: external, url: '${broker.url}', username: ${HUB_USER}, passwordFile: '${hubPassword}', clientId: ${id}, group: ingest }`,
    );
    hubs.push(hub);
    stoppers.push(() => hub.stop());
  }
  // Both subscribed before the agents publish: a hub that subscribes late misses nothing (its session), but would take no share until then.
  for (const hub of hubs) {
    const connected = () => {
      const b = readHubState(hub.dataDir)?.broker;
      return b?.mode === 'external' && b.connected;
    };
    for (let i = 0; !connected(); i++) {
      // 3 min: the hub from source compiles as it starts, slow on a loaded machine.
      if (i > 1800 || hub.child.exitCode !== null) throw new Error(`hub ${hub.dataDir} not connected to mosquitto (${hub.child.exitCode === null ? 'still running' : `exited ${hub.child.exitCode}`})`);
      await sleep(100);
    }
  }
  connect = (node) => connectNode(broker.url, node);
}



const seqs = new Array<number>(AGENTS).fill(0);
function payload(n: number): Buffer {
  const seq = ++seqs[n]!;
  const ts = Date.now();
  const samples = [];
  for (let g = 0; g < 8; g++) for (const metric of METRICS) samples.push({ metric, labels: { gpu: String(g), uuid: uuid(n, g) }, ts, value: seq + g * 0.5 });
  return Buffer.from(JSON.stringify({ v: MESSAGE_VERSION, cluster: 'fleet', node: names[n], seq, ts, samples }));
}

interface RunResult {
  latencies: number[];
  acked: number;
  failed: number;
  /** Seqs acknowledged, per agent. */
  ackedSeqs: number[][];
  /** PUBACK times of the publishes a drop caught (sent before it and acknowledged after the reconnect, or sent while offline). */
  caught: number[];
  /** Drop to CONNACK, per reconnected agent. */
  reconnects: number[];
}

/**
 * Runs every agent on its own 10 s timer, offset so the fleet's batches
 * spread over the period; with `drop`, that many agents lose their
 * connection at a third of `ms` and reconnect. Resolves after `ms`, once
 * every publish was answered.
 */
async function run(ms: number, drop = 0): Promise<RunResult> {
  const r: RunResult = { latencies: [], acked: 0, failed: 0, ackedSeqs: names.map(() => []), caught: [], reconnects: [] };
  const pending = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  /** When each dropped agent lost its connection, and when it was back. */
  const dropped = new Map<number, { at: number; back: number | null }>();
  const publish = (n: number) => {
    const t0 = performance.now();
    const seq = seqs[n]! + 1;
    const p = clients[n]!.publishAsync(`kcloud/v1/fleet/${names[n]}/telemetry`, payload(n), { qos: 1 }).then(
      () => {
        const now = performance.now();
        const d = dropped.get(n);
        // Caught: the publish was out (sent, not yet acknowledged) while its agent was offline.
        (d !== undefined && t0 <= (d.back ?? Infinity) && now >= d.at ? r.caught : r.latencies).push(now - t0);
        r.ackedSeqs[n]!.push(seq);
        r.acked++;
      },
      () => {
        r.failed++;
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const starts = names.map((_, n) =>
    setTimeout(() => {
      publish(n);
      timers.push(setInterval(() => publish(n), PERIOD_MS));
    }, (n * PERIOD_MS) / AGENTS),
  );
  const victims = names.map((_, n) => n).filter((n) => Math.floor((n + 1) * drop) > Math.floor(n * drop));
  const allBack = new Promise<void>((resolve) => {
    if (victims.length === 0) return resolve();
    let back = 0;
    timers.push(
      setTimeout(() => {
        for (const n of victims) {
          const c = clients[n]!;
          c.options.reconnectPeriod = RECONNECT_MS;
          c.once('connect', () => {
            const d = dropped.get(n)!;
            d.back = performance.now();
            r.reconnects.push(d.back - d.at);
            c.options.reconnectPeriod = 0;
            if (++back === victims.length) resolve();
          });
          dropped.set(n, { at: performance.now(), back: null });
          c.stream.destroy();
        }
      }, ms / 3),
    );
  });
  await new Promise((res) => setTimeout(res, ms));
  for (const t of [...starts, ...timers]) clearTimeout(t);
  await allBack;
  await Promise.all(pending);
  return r;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const rssOf = (hub: BuiltHub) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${hub.child.pid}/status`, 'utf8'))![1]) / 1024;
/** Samples a hub has stored (its status.json, written every 2 s). */
const storedBy = (hub: BuiltHub) => readHubState(hub.dataDir)?.ingest.samples ?? 0;
const lagOf = (hub: BuiltHub) => readHubState(hub.dataDir)?.remoteWrite?.[0];

/** Warm-up, then the measured window; prints the figures. */
async function measure(): Promise<void> {
  const warm = await run(PERIOD_MS);
  // The hubs' counters start at 0: the warm-up's batches are all they hold.
  if (TWO_HUBS) await drained(warm.acked * PER_BATCH);
  // And sent: a queue names each series once (a read of tsdb.db's series table), a cost of the series' creation, not of the window.
  for (let i = 0; i < 1200 && hubs.some((h) => (lagOf(h)?.pendingSamples ?? 0) > 0); i++) await sleep(250);
  console.log(`warm-up done (series created); hub RSS ${hubs.map((h) => rssOf(h).toFixed(0)).join(' / ')} MiB`);
  const cpu0 = hubs.map((h) => h.cpuSeconds());
  const stored0 = hubs.map(storedBy);
  const maxLag = hubs.map(() => 0);
  const lagPoll = setInterval(() => hubs.forEach((h, i) => (maxLag[i] = Math.max(maxLag[i]!, lagOf(h)?.lagSeconds ?? 0))), 1000);
  const t0 = performance.now();
  const { latencies, acked, failed, ackedSeqs, caught, reconnects } = await run(SECONDS * 1000, DROP).finally(() => clearInterval(lagPoll));
  const elapsed = (performance.now() - t0) / 1000;
  const published = acked * PER_BATCH;
  // External broker: a PUBACK is mosquitto's; wait for the hubs to store what it took (and their CPU for it).
  const drainS = TWO_HUBS ? await drained(stored0.reduce((a, b) => a + b, 0) + published) : 0;
  const cpu = hubs.map((h, i) => h.cpuSeconds() - cpu0[i]!);
  const cpuAll = cpu.reduce((a, b) => a + b, 0);
  // The hubs' CPU time runs on while they drain: its share of a core is over the window plus the drain.
  const busy = elapsed + drainS;
  const stored = hubs.map((h, i) => storedBy(h) - stored0[i]!);
  const samples = TWO_HUBS ? stored.reduce((a, b) => a + b, 0) : published;
  latencies.sort((a, b) => a - b);
  console.log(
    `${AGENTS} agents x ${PER_BATCH} samples / ${PERIOD_MS / 1000} s over ${elapsed.toFixed(1)} s: ${(samples / elapsed).toFixed(0)} samples/s committed (${acked} batches, ${failed} failed), ` +
      `PUBACK p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms; ` +
      `hub CPU ${((cpuAll / busy) * 100).toFixed(1)} % of one core = ${((cpuAll * 1e6) / samples).toFixed(1)} CPU s per million samples; hub RSS ${hubs.map((h) => rssOf(h).toFixed(0)).join(' / ')} MiB`,
  );
  if (reconnects.length > 0) {
    reconnects.sort((a, b) => a - b);
    caught.sort((a, b) => a - b);
    console.log(
      `reconnects: ${reconnects.length} agents dropped at ${(SECONDS / 3).toFixed(0)} s, all back; drop to CONNACK p50 ${pct(reconnects, 50).toFixed(0)} ms, max ${reconnects.at(-1)!.toFixed(0)} ms ` +
        `(the agent waits ${RECONNECT_MS} ms); ${caught.length} publishes caught by a drop, PUBACK p50 ${caught.length ? pct(caught, 50).toFixed(0) : '-'} ms, max ${caught.length ? caught.at(-1)!.toFixed(0) : '-'} ms`,
    );
  }
  const { missing, twice } = ledgerCheck(ackedSeqs);
  console.log(`ledger check: ${acked} batches acknowledged in the window, ${missing.length} not stored by any hub${missing.length ? ` (e.g. ${missing.slice(0, 5).join(', ')})` : ''}, ${twice} stored by two hubs`);
  if (REMOTE_WRITE) {
    const q = lagOf(hubs[0]!);
    console.log(`remote write: lag max ${maxLag[0]!.toFixed(1)} s during the window, now ${q?.lagSeconds.toFixed(1)} s (${q?.pendingSamples} pending, last error ${q?.lastError ?? 'none'})`);
  }
  if (TWO_HUBS) {
    console.log(`mosquitto acknowledged ${published} samples; the hubs stored ${samples} (${drainS.toFixed(1)} s after the window to drain)`);
    hubs.forEach((h, i) => {
      const q = lagOf(h);
      console.log(
        `  hub-${'ab'[i]}: ${stored[i]} samples stored, CPU ${((cpu[i]! / busy) * 100).toFixed(1)} % of one core, RSS ${rssOf(h).toFixed(0)} MiB; ` +
          `remote-write lag max ${maxLag[i]!.toFixed(1)} s during the window, now ${q?.lagSeconds.toFixed(1)} s (${q?.pendingSamples} pending, last error ${q?.lastError ?? 'none'})`,
      );
    });
  }
}

/** The acknowledged batches (agent, seq) that no hub's dedupe ledger (hub.db `ingested_ranges`) holds, and how many two hubs hold. */
function ledgerCheck(ackedSeqs: number[][]): { missing: string[]; twice: number } {
  const held = new Map<string, number>();
  for (const hub of hubs) {
    const db = new Database(join(hub.dataDir, 'hub.db'), { readonly: true });
    const rows = db.prepare('SELECT name, lo, hi FROM ingested_ranges JOIN nodes ON nodes.id = node_id').all() as { name: string; lo: number; hi: number }[];
    db.close();
    for (const { name, lo, hi } of rows) for (let seq = lo; seq <= hi; seq++) held.set(`${name}#${seq}`, (held.get(`${name}#${seq}`) ?? 0) + 1);
  }
  const missing: string[] = [];
  let twice = 0;
  ackedSeqs.forEach((list, n) => {
    for (const seq of list) {
      const count = held.get(`${names[n]}#${seq}`) ?? 0;
      if (count === 0) missing.push(`${names[n]}#${seq}`);
      if (count > 1) twice++;
    }
  });
  return { missing, twice };
}

/** Waits (at most 60 s) until the hubs have stored `samples` in all; the seconds it took (to within the 2 s status.json is written at). */
async function drained(samples: number): Promise<number> {
  const t0 = performance.now();
  while (hubs.map(storedBy).reduce((a, b) => a + b, 0) < samples && performance.now() - t0 < 60_000) await sleep(250);
  return (performance.now() - t0) / 1000;
}

try {
  if (TWO_HUBS) await startTwoHubs();
  else {
    let yaml = '';
    if (REMOTE_WRITE) {
      const vm = await startVictoriaMetrics();
      stoppers.push(() => vm.stop());
      yaml = `storage: { remoteWrite: [ { url: '${vm.writeUrl}', name: vm } ] }\n`;
    }
    console.log(`registering ${AGENTS} nodes and starting the hub...`);
    const hub = await startBuiltHub(nodes, yaml);
    hubs.push(hub);
    stoppers.push(() => hub.stop());
    connect = (node) => hub.connect(node);
  }
  stoppers.push(() => Promise.all(clients.map((c) => c.endAsync(true))).then(() => undefined));
  // Fewer at a time than the hub lets one address hold unauthenticated (broker.limits.maxUnauthenticatedPerSource, 16).
  const connected = performance.now();
  for (let i = 0; i < AGENTS; i += 8) clients.push(...(await Promise.all(names.slice(i, i + 8).map((n) => connect(n)))));
  console.log(`${AGENTS} agents connected in ${((performance.now() - connected) / 1000).toFixed(1)} s; batches of ${PER_BATCH} samples every ${PERIOD_MS / 1000} s`);
  await measure();
} finally {
  for (const stop of stoppers.reverse()) await stop().catch((err: Error) => console.error(`stopping: ${err.message}`));
}
