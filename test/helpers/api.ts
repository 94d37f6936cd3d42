import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { openHubDb, type HubDb } from '../../hub/core/db.js';
import { NodeStore } from '../../hub/identity/nodes.js';
import { UserStore, type Role } from '../../hub/identity/users.js';
import { MESSAGE_VERSION, type Sample } from '../../shared/schema/message.js';
import { ADMIN_PASSWORD, connectMqtt, startTestHub, telemetry, type TestHub } from './hub.js';

export interface RequestOptions extends RequestInit {
  /** Basic credentials; default admin, null for an anonymous request. */
  user?: [string, string] | null;
}

export interface TestNode {
  name: string;
  cluster: string;
  client: MqttClient;
  seq: number;
}

export interface ApiHub extends TestHub {
  /** A second connection to hub.db (WAL): add users and nodes while the hub runs. */
  db: HubDb;
  /** fetch() against the hub's HTTP port, Basic-authenticated as admin unless `user` says otherwise. */
  request(path: string, opts?: RequestOptions): Promise<Response>;
  /** GET returning the parsed JSON body; throws with the body when the status is not 2xx. */
  json<T = any>(path: string, opts?: RequestOptions): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  addUser(username: string, role: Role, password?: string): Promise<[string, string]>;
  /** Registers a node and connects it to the embedded broker with its credential. */
  addNode(name: string, cluster?: string): Promise<TestNode>;
  /** Publishes a telemetry batch as the node and resolves once the hub has stored it. */
  publishTelemetry(node: TestNode, samples: Sample[], ts?: number): Promise<void>;
  /** Publishes the node's retained inventory and resolves once the hub has taken it. */
  publishInventory(node: TestNode, inventory: Record<string, unknown>, ts?: number): Promise<void>;
  /** Publishes the node's retained status (`online` with sources) and resolves once the hub has taken it. */
  publishStatus(node: TestNode, status: Record<string, unknown>, ts?: number): Promise<void>;
  close(): Promise<void>;
}

const basic = ([u, p]: [string, string]) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/** A real hub (embedded broker, store, HTTP on a free port) with helpers to feed it as real nodes would. */
export async function startApiHub(overrides: Record<string, unknown> = {}): Promise<ApiHub> {
  const th = await startTestHub(overrides);
  const db = openHubDb(join(th.dataDir, 'hub.db'));
  const nodes: TestNode[] = [];
  const request = (path: string, opts: RequestOptions = {}) => {
    const { user = ['admin', ADMIN_PASSWORD], headers, ...init } = opts;
    const h = new Headers(headers);
    if (user) h.set('authorization', basic(user));
    return fetch(`${th.api}${path}`, { ...init, headers: h });
  };
  const waitFor = <K extends 'samples' | 'inventory' | 'node-status'>(event: K, node: string) =>
    new Promise<void>((resolve) => {
      const on = (e: { node: { name: string } }) => {
        if (e.node.name !== node) return;
        th.hub.bus.off(event, on as never);
        resolve();
      };
      th.hub.bus.on(event, on as never);
    });
  const publish = async (node: TestNode, kind: 'inventory' | 'status', body: Record<string, unknown>, ts: number, event: 'inventory' | 'node-status') => {
    const stored = waitFor(event, node.name);
    const payload = JSON.stringify({ v: MESSAGE_VERSION, cluster: node.cluster, node: node.name, ts, ...body });
    await node.client.publishAsync(`kcloud/v1/${node.cluster}/${node.name}/${kind}`, payload, { qos: 1, retain: true });
    await stored;
  };
  return {
    ...th,
    db,
    request,
    async json(path, opts) {
      const res = await request(path, opts);
      const text = await res.text();
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text}`);
      return JSON.parse(text);
    },
    async addUser(username, role, password = `${username}-password`) {
      await new UserStore(db).add(username, role, password);
      return [username, password];
    },
    async addNode(name, cluster = 'default') {
      const password = `${name}-secret`;
      await new NodeStore(db).add(name, cluster, password);
      const client = await connectMqtt(th.url, { username: name, password, clientId: `test-${name}` });
      const node = { name, cluster, client, seq: 0 };
      nodes.push(node);
      return node;
    },
    async publishTelemetry(node, samples, ts = Date.now()) {
      const stored = waitFor('samples', node.name);
      await node.client.publishAsync(`kcloud/v1/${node.cluster}/${node.name}/telemetry`, telemetry(node.cluster, node.name, ++node.seq, samples, ts), { qos: 1 });
      await stored;
    },
    publishInventory: (node, inventory, ts = Date.now()) => publish(node, 'inventory', { inventory }, ts, 'inventory'),
    publishStatus: (node, status, ts = Date.now()) => publish(node, 'status', { state: 'online', ...status }, ts, 'node-status'),
    async close() {
      for (const n of nodes) await n.client.endAsync();
      db.close();
      await th.hub.stop();
    },
  };
}
