import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { UserStore } from '../../../hub/identity/users.js';
import type { Sample } from '../../../shared/schema/message.js';
import { connectMqtt, telemetry } from '../../helpers/hub.js';
import { startApiHub, type ApiHub, type TestNode } from '../../helpers/api.js';

const watts = (value: number): Sample => ({ metric: 'node_power_watts', labels: { source: 'dcmi' }, value });
const json = { 'content-type': 'application/json' };

/** Resolves when the broker closes the client's connection. */
const closed = (client: MqttClient) => new Promise<void>((resolve) => (client.disconnected ? resolve() : client.once('close', () => resolve())));

describe('revocation reaches open MQTT connections', () => {
  let h: ApiHub;
  let node: TestNode;
  const clients: MqttClient[] = [];

  /** A user's read-only MQTT connection subscribed to all telemetry, with every topic it received. */
  const subscriber = async (name: string) => {
    const [username, password] = await h.addUser(name, 'viewer');
    const client = await connectMqtt(h.url, { username, password, clientId: `sub-${name}` });
    clients.push(client);
    const received: string[] = [];
    client.on('message', (topic) => received.push(topic));
    await client.subscribeAsync('kcloud/v1/+/+/telemetry', { qos: 1 });
    // Subscribed and receiving before the change.
    const got = new Promise<void>((resolve) => client.once('message', () => resolve()));
    await h.publishTelemetry(node, [watts(100)]);
    await got;
    return { client, received, id: String((await h.json('/api/v1/users/me', { user: [username, password] })).data.id) };
  };

  beforeAll(async () => {
    h = await startApiHub();
    node = await h.addNode('rv-node', 'rv');
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await h.close();
  });

  it('disconnects a removed user at once: the next telemetry does not reach it, other connections go on', async () => {
    const sub = await subscriber('mqtt-removed');
    const before = sub.received.length;
    const gone = closed(sub.client);
    expect((await h.request(`/api/v1/users/${sub.id}`, { method: 'DELETE' })).status).toBe(200);
    await gone;
    await h.publishTelemetry(node, [watts(101)]);
    expect(sub.received).toHaveLength(before);
    expect(node.client.connected).toBe(true);
  });

  it('disconnects a disabled user and a user given a new password', async () => {
    const off = await subscriber('mqtt-disabled');
    const renamed = await subscriber('mqtt-passwd');
    const [offGone, renamedGone] = [closed(off.client), closed(renamed.client)];
    expect((await h.request(`/api/v1/users/${off.id}`, { method: 'PUT', headers: json, body: JSON.stringify({ is_active: false }) })).status).toBe(200);
    await offGone;
    expect(renamed.client.connected).toBe(true);
    expect((await h.request(`/api/v1/users/${renamed.id}`, { method: 'PUT', headers: json, body: JSON.stringify({ password: 'a-new-password-1' }) })).status).toBe(200);
    await renamedGone;
  });

  it('disconnects a user removed by another process (the CLI writing hub.db)', async () => {
    const sub = await subscriber('mqtt-cli');
    const gone = closed(sub.client);
    new UserStore(h.db).remove('mqtt-cli');
    await gone;
  });

  it('refuses the next publish of a node removed by the CLI and stores nothing of it', async () => {
    const doomed = await h.addNode('rv-doomed', 'rv');
    await h.publishTelemetry(doomed, [watts(200)]);
    const stored: number[] = [];
    h.hub.bus.on('samples', (e) => {
      if (e.node.name === 'rv-doomed') stored.push(e.seq);
    });
    const gone = closed(doomed.client);

    new NodeStore(h.db).remove('rv-doomed');
    // Published right after the removal, before the broker's once-a-second look at hub.db (most likely): the publish itself
    // finds the change. QoS 0, so no acknowledgement stays pending on the closed connection.
    await doomed.client.publishAsync('kcloud/v1/rv/rv-doomed/telemetry', telemetry('rv', 'rv-doomed', 2, [watts(201)]), { qos: 0 });
    await gone;
    expect(stored).toEqual([]);
    // Closed as revoked, not for some other reason.
    expect(h.logs.lines()).toContainEqual(expect.objectContaining({ principal: 'rv-doomed', msg: expect.stringMatching(/^mqtt connection closed: its account was removed/) }));
    // The other node still publishes and is stored.
    await h.publishTelemetry(node, [watts(102)]);
  });
});
