import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../shared/log.js';
import { NAME_PATTERN } from '../shared/topics.js';
import type { NodeStore } from './identity/nodes.js';
import { generatePassword } from './identity/passwords.js';

export interface LocalAgentOptions {
  nodes: NodeStore;
  /** The hub's dataDir: the agent's credential and state live in `<dataDir>/local-agent/`. */
  dataDir: string;
  mqttPort: number;
  /** Agent config file; empty: the agent runs on defaults (sources auto-detected). */
  agentConfig: string;
  log: Logger;
}

/** The agent program next to this module: built JS under dist/, or the TypeScript source run through tsx. */
function agentCommand(): string[] {
  const js = fileURLToPath(new URL('../agent/main.js', import.meta.url));
  if (existsSync(js)) return [js];
  return ['--import', 'tsx', fileURLToPath(new URL('../agent/main.ts', import.meta.url))];
}

/** This machine's node name: the short hostname, made a valid topic level. */
export function localNodeName(host = hostname()): string {
  const name = (host.split('.')[0] ?? '').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return NAME_PATTERN.test(name) ? name : 'local';
}

/**
 * Runs an agent for this machine beside the hub (`kcloud-hub run --with-agent`):
 * registers its node credential on first start (kept in a 0600 file, stored
 * hashed like any node's), starts it against the embedded broker and
 * restarts it if it dies.
 */
export async function startLocalAgent(opts: LocalAgentOptions): Promise<{ node: string; stop(): Promise<void> }> {
  const node = localNodeName();
  const dir = join(opts.dataDir, 'local-agent');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dir, 'mqtt.password');
  if (!opts.nodes.byName(node) || !existsSync(passwordFile)) {
    // A registration whose password file is gone can never log in again: replace it.
    if (opts.nodes.byName(node)) opts.nodes.remove(node);
    const password = generatePassword();
    await opts.nodes.add(node, 'default', password);
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    opts.log.info({ node, passwordFile }, 'registered the local agent');
  }
  const env = {
    ...process.env,
    KCLOUD_NODE: node,
    KCLOUD_CLUSTER: 'default',
    // The agent's own config decides where its state lives; without one it goes beside the credential.
    ...(opts.agentConfig ? {} : { KCLOUD_DATA_DIR: join(dir, 'data') }),
    KCLOUD_MQTT_URL: `mqtt://127.0.0.1:${opts.mqttPort}`,
    KCLOUD_MQTT_USERNAME: node,
    KCLOUD_MQTT_PASSWORD_FILE: passwordFile,
  };
  let child: ChildProcess | null = null;
  let stopping = false;
  let restart: NodeJS.Timeout | undefined;
  const start = () => {
    const config = opts.agentConfig ? ['--config', opts.agentConfig] : [];
    child = spawn(process.execPath, [...agentCommand(), 'run', ...config], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code, signal) => {
      if (stopping) return;
      opts.log.warn({ code, signal }, 'local agent exited; restarting in 5 s');
      restart = setTimeout(start, 5000);
    });
  };
  start();
  return {
    node,
    async stop() {
      stopping = true;
      if (restart) clearTimeout(restart);
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
  };
}
