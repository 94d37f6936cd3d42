import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { stringify as stringifyYaml } from 'yaml';
import { loadHubConfig } from '../../hub/config.js';
import { openHubDb } from '../../hub/core/db.js';
import { hubFiles } from '../../hub/core/paths.js';
import { Authenticator } from '../../hub/identity/authenticator.js';
import { NodeStore } from '../../hub/identity/nodes.js';
import { UserStore } from '../../hub/identity/users.js';
import type { RunningHub } from '../../hub/runtime.js';
import { MESSAGE_VERSION, type Sample } from '../../shared/schema/message.js';
import { memoryLogger } from './logger.js';
import { freePort } from './mosquitto.js';
import { runProgram, spawnProgram } from './cli.js';

/** Admin password the test hubs bootstrap with (so none is generated and printed). */
export const ADMIN_PASSWORD = 'test-admin-password';

/** Writes `hub.yaml` into `dir` (a fresh temp dir by default) and returns its path. */
export function writeHubConfig(yaml: string, dir = mkdtempSync(join(tmpdir(), 'kcloud-hub-'))): string {
  const file = join(dir, 'hub.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Runs `kcloud-hub <args>` from source as a long-running child process. */
export function spawnHub(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { logs: string[] } {
  // HTTP on a free port unless the test says otherwise: suites run in parallel.
  return spawnProgram('hub/main.ts', args, { KCLOUD_ADMIN_PASSWORD: ADMIN_PASSWORD, KCLOUD_HUB_HTTP_PORT: '0', KCLOUD_HUB_HTTP_HOST: '127.0.0.1', ...env });
}

/** Checks a credential against a hub's hub.db the way the broker does (the principal, or null). */
export async function login(dataDir: string, username: string, password: string) {
  const db = openHubDb(hubFiles(dataDir).db);
  try {
    return await new Authenticator(new NodeStore(db), new UserStore(db), 0).authenticate(username, password);
  } finally {
    db.close();
  }
}

/** Runs the hub CLI to completion (with `input` on its stdin) and returns its exit code and output. */
export function runHubCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runProgram('hub/main.ts', args, env, input);
}

/** Waits for a child to exit (resolves at once when it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export interface TestHub {
  hub: RunningHub;
  dataDir: string;
  configFile: string;
  /** mqtt://127.0.0.1:<port> of the embedded broker. */
  url: string;
  /** http://127.0.0.1:<port> of the HTTP APIs (no trailing slash). */
  api: string;
  logs: ReturnType<typeof memoryLogger>;
}

type Tree = { [key: string]: unknown };
const merge = (a: Tree, b: Tree): Tree =>
  Object.fromEntries(
    [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => {
      const [x, y] = [a[k], b[k]];
      const both = typeof x === 'object' && x !== null && !Array.isArray(x) && typeof y === 'object' && y !== null && !Array.isArray(y);
      return [k, both ? merge(x as Tree, y as Tree) : (y ?? x)];
    }),
  );

/**
 * Starts a real hub in this process: a fresh dataDir (or `dataDir` from the
 * overrides, to restart on the same files) and the embedded broker on a
 * free loopback port, merged with `overrides` (config keys as in hub.yaml).
 */
export async function startTestHub(overrides: Tree = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-hub-'));
  const base = { dataDir: join(dir, 'data'), broker: { host: '127.0.0.1', port: await freePort() }, http: { host: '127.0.0.1', port: 0 },
    // Tests publish and read back at once; the response cache has its own test (test/hub/api/monitor/response-cache.test.ts).
    api: { cacheTtl: '0s' },
  };
  const tree = merge(base, overrides);
  const dataDir = tree.dataDir as string;
  const configFile = writeHubConfig(stringifyYaml(tree), dir);
  const config = loadHubConfig(configFile, {});
  const logs = memoryLogger(config.log.ring);
  // Imported here so CLI-only suites do not load the broker and the store.
  const { startHub } = await import('../../hub/runtime.js');
  const hub = await startHub(config, logs.log, { KCLOUD_ADMIN_PASSWORD: ADMIN_PASSWORD });
  return { hub, dataDir, configFile, url: `mqtt://127.0.0.1:${hub.ports?.mqtt ?? 0}`, api: `http://127.0.0.1:${hub.httpPorts[0] ?? 0}`, logs };
}

/** The client once its CONNACK accepted it; the broker's refusal (its code in `code`) or a closed connection otherwise, the client then ended. */
export async function connected(client: MqttClient): Promise<MqttClient> {
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
  } catch (err) {
    client.end(true);
    throw err;
  }
  return client;
}

/** Connects an MQTT client; rejects with the broker's refusal (e.g. bad credentials). */
export async function connectMqtt(url: string, opts: IClientOptions): Promise<MqttClient> {
  // A refusal comes no sooner than a password check takes (docs/security.md, "Login throttling"), seconds on a loaded machine.
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 30_000, ...opts });
  return connected(client);
}

/** Connects once the hub listens (it may still be starting); fails early when the child exited. */
export async function connectWhenUp(url: string, opts: IClientOptions, child?: ChildProcess & { logs: string[] }, timeoutMs = 30_000): Promise<MqttClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectMqtt(url, opts);
    } catch (err) {
      if (Date.now() > deadline || (child && child.exitCode !== null)) throw new Error(`hub not reachable: ${(err as Error).message}\n${child?.logs.join('') ?? ''}`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A telemetry payload as the agent encodes it. */
export function telemetry(cluster: string, node: string, seq: number, samples: Sample[], ts = Date.now()): Buffer {
  return Buffer.from(JSON.stringify({ v: MESSAGE_VERSION, cluster, node, seq, ts, samples }));
}
