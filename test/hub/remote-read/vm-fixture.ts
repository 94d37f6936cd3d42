import { expect } from 'vitest';
import { keyring, SecretStore } from '../../../hub/identity/secrets.js';
import type { Sample } from '../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../helpers/api.js';

/** Shared setup of the remote-read tests against a real VictoriaMetrics (test/hub/remote-write/engines.ts starts it). */
export const MIN = 60_000;
export const VM_AUTH: [string, string] = ['kcloud', 'vm-read-pass'];
export const NODE = 'rr-node';
export const CLUSTER = 'lab';

export type Points = [number, number][];
/** gpu -> raw samples [ts, value], oldest first. */
export type Samples = Map<string, Points>;

/** Samples every 10 s in [from, to) for GPUs 0 and 1; values are multiples of 0.25 so every sum is exact in binary. */
export function samples(from: number, to: number, value: (i: number, gpu: number) => number): Samples {
  const out: Samples = new Map();
  for (const gpu of [0, 1]) {
    const pts: Points = [];
    for (let t = from, i = 0; t < to; t += 10_000, i++) pts.push([t, value(i, gpu)]);
    out.set(String(gpu), pts);
  }
  return out;
}

/** All samples of one GPU in [start, end), oldest first. */
export function samplesOf(gpu: string, start: number, end: number, ...parts: Samples[]): Points {
  return parts
    .flatMap((p) => p.get(gpu) ?? [])
    .filter(([ts]) => ts >= start && ts < end)
    .sort((a, b) => a[0] - b[0]);
}

/** The reference answer: per GPU, the average of the samples of each step [t, t + step) of the range, steps without samples left out. */
export function averagesBy(step: number, start: number, end: number, ...parts: Samples[]): Map<string, Points> {
  const out = new Map<string, Points>();
  for (const gpu of ['0', '1']) {
    const all = samplesOf(gpu, start, end, ...parts);
    const points: Points = [];
    for (let t = start; t < end; t += step) {
      const inStep = all.filter(([ts]) => ts >= t && ts < t + step).map(([, v]) => v);
      if (inStep.length) points.push([t, inStep.reduce((a, b) => a + b, 0) / inStep.length]);
    }
    out.set(gpu, points);
  }
  return out;
}

export const uuidOf = (gpu: string) => `GPU-rr-${gpu}`;

/** Writes gpu_power_watts samples of `node` (NODE) in CLUSTER into VictoriaMetrics through /api/v1/import (any timestamps, old ones included). */
export async function importRows(vmUrl: string, rows: Samples, node = NODE): Promise<void> {
  const headers = { authorization: `Basic ${Buffer.from(VM_AUTH.join(':')).toString('base64')}` };
  const body = [...rows].map(([gpu, pts]) => JSON.stringify({ metric: { __name__: 'gpu_power_watts', node, cluster: CLUSTER, gpu, uuid: uuidOf(gpu) }, values: pts.map((p) => p[1]), timestamps: pts.map((p) => p[0]) })).join('\n');
  const res = await fetch(`${vmUrl}/api/v1/import`, { method: 'POST', headers, body });
  expect(res.status).toBe(204);
  await fetch(`${vmUrl}/internal/force_flush`, { headers });
}

/** Publishes `rows` as NODE's telemetry over MQTT (the hub keeps what its retention allows). */
export async function feed(hub: ApiHub, rows: Samples): Promise<TestNode> {
  const node = await hub.addNode(NODE, CLUSTER);
  const all: Sample[] = [...rows].flatMap(([gpu, pts]) => pts.map(([ts, value]) => ({ metric: 'gpu_power_watts', labels: { gpu, uuid: uuidOf(gpu) }, value, ts })));
  for (let i = 0; i < all.length; i += 200) await hub.publishTelemetry(node, all.slice(i, i + 200));
  return node;
}

/**
 * A hub keeping 1 h locally and reading VictoriaMetrics at `vmUrl` in `mode`.
 * The secret must be in hub.db before the hub starts (it reads it at start):
 * a first hub creates the dataDir, a second one on it reads the secret.
 * `overrides`: more configuration of the second hub (its retention too).
 */
export async function hubWithSecret(vmUrl: string, mode: 'beyond-retention' | 'always', dataDir?: string, overrides: Record<string, unknown> = {}): Promise<ApiHub> {
  if (!dataDir) {
    const first = await startApiHub({ retention: { raw: '1h', minute: '1h', hour: '1h' } });
    new SecretStore(first.db, keyring(first.dataDir, {})).put('vm-read', VM_AUTH[1]);
    await first.close();
    dataDir = first.dataDir;
  }
  return startApiHub({ dataDir, retention: { raw: '1h', minute: '1h', hour: '1h' }, storage: { remoteRead: { url: vmUrl, mode, basicAuth: { username: VM_AUTH[0], passwordSecret: 'vm-read' } } }, ...overrides });
}
