import { request } from 'node:http';
import { createConnection } from 'node:net';
import { MqttClient, type IClientOptions } from 'mqtt';
import { connected } from './hub.js';

/**
 * Clients from another loopback address (127.0.0.0/8 is all local on
 * Linux): the hub sees a different source, as it would another machine.
 */
export function httpFrom(localAddress: string, url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', localAddress, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...init.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : null });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An MQTT CONNECT from `localAddress`: the client once connected, or the broker's refusal (its CONNACK code in `code`). */
export async function mqttFrom(localAddress: string, url: string, opts: IClientOptions): Promise<MqttClient> {
  const { hostname, port } = new URL(url);
  const client = new MqttClient(() => createConnection({ host: hostname, port: Number(port), localAddress }), { reconnectPeriod: 0, connectTimeout: 30_000, ...opts });
  return connected(client);
}

/** The CONNACK return code of a refused CONNECT (4 bad credentials, 5 not authorized, 3 server unavailable). */
export async function refusalCode(attempt: Promise<MqttClient>): Promise<number | 'connected'> {
  try {
    const client = await attempt;
    await client.endAsync();
    return 'connected';
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}
