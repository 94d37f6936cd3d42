/**
 * The embedded broker under the attacks of issue 14, items 4, 5 and 7, while
 * an honest node publishes: prints the hub's RSS before, at its peak and
 * after each attack, and the honest node's acknowledged samples/s against
 * its own baseline on the same hub (target >= 90 %). Each attack gets a
 * fresh hub and runs in a child process (this file again), so its CPU (masking a 90 MB
 * WebSocket frame, encoding 93 MB of JSON) does not stall the honest
 * node's publishing here.
 *   - item 4: 3 TCP connections each streaming a CONNECT that declares 256
 *     MiB, then 4 MQTT-over-WebSocket connections each sending a 90 MB frame;
 *     prints how many bytes each got in before the hub closed it;
 *   - item 5: a second node publishing BENCH_FLOOD_MB (93) MB of telemetry,
 *     first alone (the control: what ingest itself costs), then after an
 *     abandoned `clean: false` QoS 1 subscription on kcloud/v1/# (admin);
 *   - item 7: 5 messages of 40 000 samples with unique labels (200 000
 *     series asked for; the per-node series limits refuse most of them).
 * The hub is the built one (dist/, what systemd runs) as a child process;
 * BENCH_HUB_SOURCE=1 runs the working tree's hub/main.ts through tsx.
 *
 *   npx tsx bench/broker-attack.ts          (BENCH_SECONDS=5, BENCH_RATE=50 batches/s)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { GPU_METRICS } from '../shared/metrics/gpu.js';
import { MESSAGE_VERSION } from '../shared/schema/message.js';
import { freePort } from '../test/helpers/mosquitto.js';
import { ADMIN_PASSWORD, NODE_PASSWORD, startBuiltHub, type BuiltHub } from './built-hub.js';
import { sendPaced } from './pace.js';

const SAMPLES = 152;
const METRIC = GPU_METRICS.find((m) => m.labels.join() === 'gpu,uuid')!.name;
const ts0 = Date.now() - 3_600_000;
const seqs = new Map<string, number>();

function batch(node: string, samples = SAMPLES): Buffer {
  const seq = (seqs.get(node) ?? 0) + 1;
  seqs.set(node, seq);
  const ts = ts0 + seq * 2000;
  // 8 series (as many as GPUs), each sample its own millisecond: no new-series limit is hit however large the batch.
  const s = Array.from({ length: samples }, (_, i) => ({ metric: METRIC, labels: { gpu: String(i % 8), uuid: `GPU-${i % 8}` }, ts: ts + i, value: i }));
  return Buffer.from(JSON.stringify({ v: MESSAGE_VERSION, cluster: 'bench', node, seq, ts, samples: s }));
}

type Attack = { kind: 'item4'; mqttPort: number; wsPort: number } | { kind: 'item5'; mqttPort: number; floodMb: number; abandon: boolean } | { kind: 'item7'; mqttPort: number };

/** Item 7: one batch of 40 000 samples, each a series of its own (unique label values). */
function uniqueSeriesBatch(node: string, message: number): Buffer {
  const seq = (seqs.get(node) ?? 0) + 1;
  seqs.set(node, seq);
  const ts = Date.now();
  const s = Array.from({ length: 40_000 }, (_, i) => ({ metric: METRIC, labels: { gpu: String(i % 8), uuid: `GPU-${message}-${i}` }, ts, value: i }));
  return Buffer.from(JSON.stringify({ v: MESSAGE_VERSION, cluster: 'bench', node, seq, ts, samples: s }));
}

/** Streams a CONNECT declaring 256 MiB: resolves with the bytes written before the hub closed the socket. */
function hugeConnect(port: number): Promise<number> {
  return new Promise((resolve) => {
    const s = connectTcp(port, '127.0.0.1');
    const chunk = Buffer.alloc(64 * 1024);
    let stop = false;
    const done = () => ((stop = true), resolve(s.bytesWritten));
    s.on('error', done).on('close', done);
    s.on('connect', async () => {
      s.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
      for (let sent = 0; !stop && sent < 268_435_455; sent += chunk.length) {
        if (s.write(chunk)) continue;
        await new Promise<void>((r) => {
          const go = () => (s.off('drain', go).off('close', go), r());
          s.on('drain', go).on('close', go);
        });
      }
      s.end();
    });
  });
}

/** Sends one WebSocket frame: resolves with the close code (1009: refused by maxPayload). */
function hugeFrame(wsPort: number, frame: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${wsPort}/mqtt`, 'mqtt');
    ws.on('error', () => undefined);
    ws.on('open', () => ws.send(frame));
    ws.on('close', (code) => resolve(code));
  });
}

/** Runs in the attacker process: the attack, described in a line. */
async function attack(a: Attack): Promise<string> {
  const url = `mqtt://127.0.0.1:${a.mqttPort}`;
  if (a.kind === 'item4') {
    const written = await Promise.all([0, 1, 2].map(() => hugeConnect(a.mqttPort)));
    const frame = Buffer.alloc(90 * 1000 * 1000);
    const codes = await Promise.all([0, 1, 2, 3].map(() => hugeFrame(a.wsPort, frame)));
    return `bytes each CONNECT got in: ${written.join(', ')}; WebSocket close codes: ${codes.join(', ')}`;
  }
  if (a.kind === 'item7') {
    const flooder = await mqtt.connectAsync(url, { username: 'flooder', password: NODE_PASSWORD, clientId: 'flooder', reconnectPeriod: 0 });
    for (let m = 0; m < 5; m++) await flooder.publishAsync('kcloud/v1/bench/flooder/telemetry', uniqueSeriesBatch('flooder', m), { qos: 1 });
    await flooder.endAsync();
    return '5 batches of 40 000 samples, each a new series (200 000 asked for)';
  }
  if (a.abandon) {
    const abandoned = await mqtt.connectAsync(url, { username: 'admin', password: ADMIN_PASSWORD, clientId: 'bench-abandoned', clean: false, reconnectPeriod: 0 });
    await abandoned.subscribeAsync('kcloud/v1/#', { qos: 1 });
    await abandoned.endAsync();
  }
  const flooder = await mqtt.connectAsync(url, { username: 'flooder', password: NODE_PASSWORD, clientId: 'flooder', reconnectPeriod: 0 });
  const size = batch('flooder', 1500).length;
  const n = Math.ceil((a.floodMb * 1e6) / size);
  for (let i = 0; i < n; i += 8) await Promise.all(Array.from({ length: Math.min(8, n - i) }, () => flooder.publishAsync('kcloud/v1/bench/flooder/telemetry', batch('flooder', 1500), { qos: 1 })));
  await flooder.endAsync();
  return `${((n * size) / 1e6).toFixed(0)} MB published in ${n} batches`;
}

/** A fresh hub: the honest node's baseline, then its rate while `a` runs in an attacker process; prints the figures. */
async function underAttack(what: string, a: (ports: { mqttPort: number; wsPort: number }) => Attack, seconds: number, rate: number): Promise<void> {
  const wsPort = await freePort();
  // The built hub's config names only the MQTT and HTTP ports; env overrides add the WebSocket listener.
  process.env.KCLOUD_HUB_BROKER_WEBSOCKET_PORT = String(wsPort);
  process.env.KCLOUD_HUB_BROKER_WEBSOCKET_PATH = '/mqtt';
  const hub = await startBuiltHub(
    new Map([
      ['honest', 'bench'],
      ['flooder', 'bench'],
    ]),
  );
  try {
    await measure(hub, wsPort, what, a, seconds, rate);
  } finally {
    await hub.stop();
  }
}

async function measure(hub: BuiltHub, wsPort: number, what: string, a: (ports: { mqttPort: number; wsPort: number }) => Attack, seconds: number, rate: number): Promise<void> {
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${hub.child.pid}/status`, 'utf8'))![1]) / 1024;
  const honest = await hub.connect('honest');
  /** The honest node paced at `rate` batches/s for `seconds`: acknowledged samples/s. */
  const honestRate = async () => {
    let acked = 0;
    const t0 = performance.now();
    const sent = await sendPaced(rate, seconds, 5, () => honest.publish('kcloud/v1/bench/honest/telemetry', batch('honest'), { qos: 1 }, (err) => !err && (acked += SAMPLES)));
    // Wait for what is still in flight, up to a second.
    for (let i = 0; i < 20 && acked < sent * SAMPLES; i++) await sleep(50);
    return acked / ((performance.now() - t0) / 1000);
  };
  await honestRate(); // warm-up
  const baseline = await honestRate();
  const before = rssMb();
  let peak = before;
  const watch = setInterval(() => (peak = Math.max(peak, rssMb())), 50);
  // This file again, with the same flags (tsx), as the attacker: it prints its line on stdout.
  const attacker = spawn(process.execPath, [...process.execArgv, import.meta.filename], { env: { ...process.env, BENCH_ATTACK: JSON.stringify(a({ mqttPort: hub.mqttPort, wsPort })) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  attacker.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const detail = new Promise<string>((resolve) => attacker.once('exit', (code) => resolve(code === 0 ? out.trim() : `attacker failed (exit ${code})`)));
  const during = await honestRate();
  const line = await detail;
  clearInterval(watch);
  await sleep(500);
  console.log(`${what}:`);
  console.log(`  hub RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB peak, ${rssMb().toFixed(0)} MB after; ${line}`);
  console.log(`  honest node: ${baseline.toFixed(0)} samples/s baseline, ${during.toFixed(0)} during = ${((during / baseline) * 100).toFixed(1)} % (${rate} batches/s of ${SAMPLES})`);
  honest.end(true);
}

if (!process.env.BENCH_ATTACK) {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rate = Number(process.env.BENCH_RATE ?? 50);
  const floodMb = Number(process.env.BENCH_FLOOD_MB ?? 93);
  await underAttack('item 4: 3 x CONNECT declaring 256 MiB over TCP, then 4 x 90 MB MQTT-over-WebSocket frames', (p) => ({ kind: 'item4', ...p }), seconds, rate);
  await underAttack(`item 5 control: ${floodMb} MB of telemetry, no persistent session`, (p) => ({ kind: 'item5', mqttPort: p.mqttPort, floodMb, abandon: false }), seconds, rate);
  await underAttack('item 7: 200 000 new series in 5 messages from one node', (p) => ({ kind: 'item7', mqttPort: p.mqttPort }), seconds, rate);
  await underAttack(`item 5: an abandoned clean: false QoS 1 subscription on kcloud/v1/#, then ${floodMb} MB of telemetry`, (p) => ({ kind: 'item5', mqttPort: p.mqttPort, floodMb, abandon: true }), seconds, rate);
} else {
  console.log(await attack(JSON.parse(process.env.BENCH_ATTACK) as Attack));
  process.exit(0);
}
