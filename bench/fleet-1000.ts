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
 * end, also on failure. Not simulated: agent reconnects (docs/scale-out.md).
 *
 *   BENCH_HUB_SOURCE=1 npx tsx bench/fleet-1000.ts   (or the built hub after npm run build)
 *   BENCH_TOPOLOGY=two-hubs BENCH_HUB_SOURCE=1 npx tsx bench/fleet-1000.ts
 */
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
const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const PERIOD_MS = Number(process.env.BENCH_PERIOD_S ?? 10) * 1000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
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
      if (i > 600 || hub.child.exitCode !== null) throw new Error(`hub ${hub.dataDir} not connected to mosquitto`);
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

/** Runs every agent on its own 10 s timer, offset so the fleet's batches spread over the period; resolves after `ms`. */
async function run(ms: number): Promise<{ latencies: number[]; acked: number; failed: number }> {
  const latencies: number[] = [];
  let acked = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  const publish = (n: number) => {
    const t0 = performance.now();
    const p = clients[n]!.publishAsync(`kcloud/v1/fleet/${names[n]}/telemetry`, payload(n), { qos: 1 }).then(
      () => {
        latencies.push(performance.now() - t0);
        acked++;
      },
      () => {
        failed++;
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
  await new Promise((r) => setTimeout(r, ms));
  for (const t of [...starts, ...timers]) clearTimeout(t);
  await Promise.all(pending);
  return { latencies, acked, failed };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const rssOf = (hub: BuiltHub) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${hub.child.pid}/status`, 'utf8'))![1]) / 1024;
/** Samples a hub has stored (its status.json, written every 2 s). */
const storedBy = (hub: BuiltHub) => readHubState(hub.dataDir)?.ingest.samples ?? 0;
const lagOf = (hub: BuiltHub) => readHubState(hub.dataDir)?.remoteWrite?.[0];

/** Warm-up, then the measured window; prints the figures. */
async function measure(): Promise<void> {
  await run(PERIOD_MS);
  console.log(`warm-up done (series created); hub RSS ${hubs.map((h) => rssOf(h).toFixed(0)).join(' / ')} MiB`);
  if (TWO_HUBS) await drained(0);
  const cpu0 = hubs.map((h) => h.cpuSeconds());
  const stored0 = hubs.map(storedBy);
  const maxLag = hubs.map(() => 0);
  const lagPoll = setInterval(() => hubs.forEach((h, i) => (maxLag[i] = Math.max(maxLag[i]!, lagOf(h)?.lagSeconds ?? 0))), 1000);
  const t0 = performance.now();
  const { latencies, acked, failed } = await run(SECONDS * 1000).finally(() => clearInterval(lagPoll));
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

/** Waits (at most 60 s) until the hubs have stored `samples` in all and their counters stand still; the seconds it took. */
async function drained(samples: number): Promise<number> {
  const t0 = performance.now();
  let last = -1;
  for (;;) {
    const now = hubs.map(storedBy).reduce((a, b) => a + b, 0);
    if ((now >= samples && now === last) || performance.now() - t0 > 60_000) return (performance.now() - t0) / 1000;
    last = now;
    await sleep(2500);
  }
}

try {
  if (TWO_HUBS) await startTwoHubs();
  else {
    console.log(`registering ${AGENTS} nodes and starting the hub...`);
    const hub = await startBuiltHub(nodes);
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
