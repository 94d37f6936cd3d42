import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { agentClientId, topicFor } from '../../shared/topics.js';

export interface BrokerOptions {
  /** `mqtt://`, `mqtts://` (TLS), `ws://` or `wss://`. */
  url: string;
  username?: string;
  /** File holding the password (trailing newline trimmed), so it stays out of the config and the logs. */
  passwordFile?: string;
  /** PEM file of the CA that signed the broker's certificate (TLS). */
  ca?: string;
  cluster: string;
  node: string;
}

function readSecretFile(key: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    // Name the key and the file, never the content.
    throw new Error(`config key "${key}": cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/**
 * mqtt.js options for the agent: a clean session (the outbox, not the broker,
 * holds what is unsent), a per-node client id, a first reconnect after 1 s
 * (the publisher backs off from there) and the retained `offline` status as
 * Last Will.
 */
export function clientOptions(opts: BrokerOptions, offlineStatus: Buffer): IClientOptions {
  return {
    clientId: agentClientId(opts.cluster, opts.node),
    clean: true,
    // MQTT 3.1.1 (mqtt.js's default): the hub's embedded aedes speaks no MQTT 5.
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: 30,
    // mqtt-packet would otherwise pre-build a 2-byte Buffer for each of the 65 536 packet ids and lengths:
    // ~6.5 MB of heap (65 536 Buffers in a heap snapshot of the running agent) to skip one 2-byte write per packet.
    writeCache: false,
    username: opts.username || undefined,
    password: opts.passwordFile ? readSecretFile('mqtt.passwordFile', opts.passwordFile).toString('utf8').trim() : undefined,
    ca: opts.ca ? readSecretFile('mqtt.ca', opts.ca) : undefined,
    will: { topic: topicFor(opts.cluster, opts.node, 'status'), payload: offlineStatus, qos: 1, retain: true },
  };
}
