/**
 * The built hub (`dist/hub/main.js run`, what systemd runs) as a child
 * process for the benchmarks: a fresh data dir, nodes registered in hub.db
 * before it starts, the embedded broker and HTTP on free loopback ports.
 * It runs with the V8 flags of the shipped unit (systemd/kcloud-hub.service's
 * NODE_OPTIONS), so the figures are those of the hub as installed;
 * BENCH_NODE_FLAGS adds more (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { openHubDb } from '../hub/core/db.js';
import { nodeCredentialKey } from '../hub/identity/machine-credentials.js';
import { NodeStore } from '../hub/identity/nodes.js';
import { keyring, SecretStore } from '../hub/identity/secrets.js';
import { freePort } from '../test/helpers/mosquitto.js';
import { processCpuSeconds } from './proc-stat.js';

export const NODE_PASSWORD = 'bench-password';
export const ADMIN_PASSWORD = 'bench-admin-password';

export interface BuiltHub {
  child: ChildProcess;
  dataDir: string;
  mqttPort: number;
  httpPort: number;
  /** `Basic ...` for the admin user. */
  authorization: string;
  /** Connects as a registered node (retrying while the hub starts). */
  connect(node: string): Promise<MqttClient>;
  /** User + system CPU seconds the hub has used. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** The flags in a unit's `Environment="NODE_OPTIONS=..."` line, if it has one. */
function unitNodeOptions(unit: string): string[] {
  const m = /^Environment="NODE_OPTIONS=([^"]*)"$/m.exec(readFileSync(unit, 'utf8'));
  return m ? m[1]!.split(' ').filter(Boolean) : [];
}

/** Connects to `url` as a registered node, retrying while the broker or hub starts. */
export async function connectNode(url: string, node: string): Promise<MqttClient> {
  for (let tries = 0; ; tries++) {
    try {
      return await mqtt.connectAsync(url, { username: node, password: NODE_PASSWORD, clientId: node, reconnectPeriod: 0 });
    } catch (err) {
      // 60 s: the hub from source (BENCH_HUB_SOURCE) compiles as it starts.
      if (tries > 600) throw err;
      await sleep(100);
    }
  }
}

/**
 * Starts the built hub with `nodes` registered (name -> cluster) and `yaml`
 * appended to its config; `broker` (a YAML flow mapping) replaces the
 * embedded broker on a free port, e.g. an external one (then mqttPort is unused).
 */
export async function startBuiltHub(nodes: ReadonlyMap<string, string>, yaml = '', broker?: string): Promise<BuiltHub> {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-bench-hub-'));
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const config = join(dir, 'hub.yaml');
  writeFileSync(config, `dataDir: ${join(dir, 'data')}\nlog: { level: warn }\nbroker: ${broker ?? `{ host: 127.0.0.1, port: ${mqttPort} }`}\nhttp: { host: 127.0.0.1, port: ${httpPort} }\n${yaml}`);
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
  const db = openHubDb(join(dir, 'data', 'hub.db'));
  // Keyed digests, as `kcloud-hub node add` stores them: an argon2 hash per node made 1 000 nodes take minutes to register and log in.
  const store = new NodeStore(db, nodeCredentialKey(new SecretStore(db, keyring(join(dir, 'data')))));
  for (const [name, cluster] of nodes) await store.add(name, cluster, NODE_PASSWORD);
  db.close();
  const repo = resolve(import.meta.dirname, '..');
  const flags = [...unitNodeOptions(join(repo, 'systemd/kcloud-hub.service')), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  // BENCH_HUB_SOURCE=1: the hub from source through tsx instead (the working tree, without a build).
  const entry = process.env.BENCH_HUB_SOURCE ? ['--import', 'tsx', join(repo, 'hub/main.ts')] : [join(repo, 'dist/hub/main.js')];
  const child = spawn(process.execPath, [...flags, ...entry, 'run', '--config', config], {
    env: { ...process.env, KCLOUD_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return {
    child,
    dataDir: join(dir, 'data'),
    mqttPort,
    httpPort,
    authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`,
    connect: (node) => connectNode(`mqtt://127.0.0.1:${mqttPort}`, node),
    cpuSeconds: () => processCpuSeconds(child.pid!),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
