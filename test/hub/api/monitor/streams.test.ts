import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ThresholdEvent } from '../../../../hub/bus.js';
import type { StoredRow } from '../../../../hub/ingest/types.js';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';
import { ADMIN_PASSWORD } from '../../../helpers/hub.js';

const AUTH = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
const FLEET_WARNING = 1000;
const FLEET_CRITICAL = 2000;
const N1_GPU_WARNING = 500;

const gpu = (uuid: string, value: number): Sample => ({ metric: 'gpu_power_watts', labels: { gpu: '0', uuid }, value });
const bmc = (value: number): Sample => ({ metric: 'node_power_watts', labels: { source: 'dcmi' }, value });

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Received {
  id: number;
  type: string;
  data: Record<string, unknown>;
}

/** An EventSource (the `eventsource` package) authenticated as admin, recording every event it gets. */
function openEvents(url: string, extraHeaders: Record<string, string> = {}) {
  const received: Received[] = [];
  const es = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...extraHeaders, Authorization: AUTH } }),
  });
  for (const type of ['power_update', 'threshold_exceeded']) {
    es.addEventListener(type, (e) => received.push({ id: Number(e.lastEventId), type, data: JSON.parse(e.data) as Record<string, unknown> }));
  }
  return { es, received };
}

describe('power streams (seed 4.4 WebSocket, 4.5 SSE) and thresholds', () => {
  let api: ApiHub;
  let n1: TestNode;
  const busEvents: ThresholdEvent[] = [];
  beforeAll(async () => {
    api = await startApiHub({
      thresholds: {
        evaluateEvery: '100ms',
        fleet: { totalWatts: { warning: FLEET_WARNING, critical: FLEET_CRITICAL } },
        nodes: { n1: { gpuWatts: { warning: N1_GPU_WARNING } } },
      },
    });
    api.hub.bus.on('threshold-exceeded', (e) => busEvents.push(e));
    n1 = await api.addNode('n1', 'c1');
    await api.publishStatus(n1, {});
  });
  afterAll(async () => {
    await api.close();
  });

  const wsUrl = (q: string) => `${api.api.replace('http', 'ws')}/api/v1/monitoring/stream/power${q}`;
  const clients = async () => {
    const text = await api.hub.registry.getSingleMetricAsString('kcloud_hub_stream_clients');
    const value = (t: string) => Number(new RegExp(`transport="${t}"} (\\d+)`).exec(text)?.[1]);
    return { ws: value('websocket'), sse: value('sse') };
  };

  it('WebSocket: pushes the published power to every client from one shared tick, and drops a closed client', async () => {
    const open = () =>
      new Promise<{ ws: WebSocket; messages: Record<string, unknown>[] }>((resolve, reject) => {
        const ws = new WebSocket(wsUrl('?interval=1'), { headers: { authorization: AUTH } });
        const messages: Record<string, unknown>[] = [];
        ws.on('message', (m, isBinary) => {
          // Text frames, as a browser's `event.data` string expects.
          expect(isBinary).toBe(false);
          messages.push(JSON.parse(String(m)) as Record<string, unknown>);
        });
        ws.once('open', () => resolve({ ws, messages }));
        ws.once('error', reject);
      });
    const a = await open();
    const b = await open();
    expect((await clients()).ws).toBe(2);
    await api.publishTelemetry(n1, [gpu('GPU-a', 321.5), bmc(600)]);
    const fresh = (m: Record<string, unknown>) => m.gpu_power_watts === 321.5;
    await until(() => a.messages.some(fresh) && b.messages.some(fresh), 'a snapshot with the published power');
    const snap = a.messages.find(fresh)!;
    expect(snap).toMatchObject({ total_power_watts: 600, gpu_power_watts: 321.5, cpu_power_watts: null, breakdown: { hardware: { ipmi_total: 600 } } });
    // Both clients got the same tick's snapshot (same timestamp): computed once, fanned out.
    const ticks = (m: Record<string, unknown>[]) => new Set(m.filter(fresh).map((x) => x.timestamp));
    expect([...ticks(a.messages)].some((t) => ticks(b.messages).has(t))).toBe(true);

    a.ws.close();
    await until(() => a.ws.readyState === WebSocket.CLOSED, 'the close');
    const countAtClose = a.messages.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(a.messages.length).toBe(countAtClose);
    expect((await clients()).ws).toBe(1);
    // The other client keeps getting ticks.
    const before = b.messages.length;
    await until(() => b.messages.length > before, 'a tick for the remaining client');
    b.ws.close();
    await until(() => b.ws.readyState === WebSocket.CLOSED, 'the second close');
  });

  it('WebSocket: refuses anonymous clients (401) and a bad interval (400 naming it)', async () => {
    const status = (url: string, headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.on('open', () => reject(new Error('upgraded')));
        ws.on('error', () => {});
      });
    expect((await status(wsUrl(''), {})).status).toBe(401);
    for (const interval of ['-1', '3601', '1.5', 'x']) {
      const res = await status(wsUrl(`?interval=${interval}`), { authorization: AUTH });
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/interval/);
    }
  });

  it('SSE: answers with the event-stream headers and a retry hint; refuses anonymous clients and bad parameters', async () => {
    const url = `${api.api}/api/v1/monitoring/events/power`;
    const ctl = new AbortController();
    const res = await fetch(url, { headers: { authorization: AUTH }, signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const first = await res.body!.getReader().read();
    expect(Buffer.from(first.value!).toString()).toMatch(/^retry: \d+\n\n/);
    ctl.abort();
    expect((await fetch(url)).status).toBe(401);
    for (const [q, name] of [
      ['?interval=-1', 'interval'],
      ['?last_event_id=abc', 'last_event_id'],
    ]) {
      const bad = await fetch(`${url}${q}`, { headers: { authorization: AUTH } });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.message).toMatch(name!);
    }
    const badHeader = await fetch(url, { headers: { authorization: AUTH, 'last-event-id': 'nope' } });
    expect(badHeader.status).toBe(400);
    expect((await badHeader.json()).error.message).toMatch(/last-event-id/);
  });

  it('SSE: power_update and threshold_exceeded events; one event per crossing while the value hovers', async () => {
    const { es, received } = openEvents(`${api.api}/api/v1/monitoring/events/power?interval=1`);
    try {
      await until(() => received.some((e) => e.type === 'power_update'), 'a power_update');
      busEvents.length = 0;
      await api.publishTelemetry(n1, [gpu('GPU-a', 640), bmc(2500)]);
      await until(() => received.filter((e) => e.type === 'threshold_exceeded').length >= 2, 'threshold events');
      await until(() => received.some((e) => e.type === 'power_update' && e.data.total_power_watts === 2500), 'the high power update');
      const alerts = received.filter((e) => e.type === 'threshold_exceeded').map((e) => e.data);
      expect(alerts).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'threshold_exceeded', scope: 'fleet', name: null, metric: 'total_power_watts', severity: 'critical', current_value: 2500, threshold: FLEET_CRITICAL, message: `Total power exceeded ${FLEET_CRITICAL}W` }),
          expect.objectContaining({ scope: 'node', name: 'n1', metric: 'gpu_power_watts', severity: 'warning', current_value: 640, threshold: N1_GPU_WARNING }),
        ]),
      );
      // The same events went out on the bus for the notifications.
      expect(busEvents.map((e) => [e.scope, e.metric, e.severity, e.currentValue])).toEqual(
        expect.arrayContaining([
          ['fleet', 'total_power_watts', 'critical', 2500],
          ['node', 'gpu_power_watts', 'warning', 640],
        ]),
      );
      const count = busEvents.length;
      // Hovering just under and over the level (inside the 5 % hysteresis band) raises nothing new.
      for (const v of [FLEET_CRITICAL - 20, FLEET_CRITICAL + 10, FLEET_CRITICAL - 5]) {
        await api.publishTelemetry(n1, [gpu('GPU-a', 640), bmc(v)]);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(busEvents.length).toBe(count);
      // Falling well below the band and coming back is a new crossing.
      await api.publishTelemetry(n1, [gpu('GPU-a', 100), bmc(FLEET_CRITICAL * 0.5)]);
      await new Promise((r) => setTimeout(r, 250));
      await api.publishTelemetry(n1, [gpu('GPU-a', 100), bmc(FLEET_CRITICAL + 100)]);
      await until(() => busEvents.length > count, 'the second crossing');
      expect(busEvents.slice(count).map((e) => [e.scope, e.severity, e.currentValue])).toEqual([['fleet', 'critical', FLEET_CRITICAL + 100]]);
      // Every event carries a distinct, increasing id.
      const ids = received.map((e) => e.id);
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    } finally {
      es.close();
    }
  });

  it('SSE: resumes after a reconnect from Last-Event-ID (header or query) without gaps or duplicates', async () => {
    // A client that stays connected sees every event; the other disconnects and resumes.
    const witness = openEvents(`${api.api}/api/v1/monitoring/events/power?interval=1`);
    const first = openEvents(`${api.api}/api/v1/monitoring/events/power?interval=1`);
    try {
      await until(() => first.received.length >= 2, 'events before the disconnect');
      first.es.close();
      const lastSeen = first.received.at(-1)!.id;
      // Missed while away: ticks and a threshold crossing.
      await api.publishTelemetry(n1, [gpu('GPU-a', 100), bmc(100)]);
      await new Promise((r) => setTimeout(r, 300));
      await api.publishTelemetry(n1, [gpu('GPU-a', 100), bmc(FLEET_WARNING + 50)]);
      await until(() => witness.received.some((e) => e.id > lastSeen && e.type === 'threshold_exceeded') && witness.received.filter((e) => e.id > lastSeen).length >= 3, 'events while away');

      const byHeader = openEvents(`${api.api}/api/v1/monitoring/events/power?interval=1`, { 'Last-Event-ID': String(lastSeen) });
      const byQuery = openEvents(`${api.api}/api/v1/monitoring/events/power?interval=1&last_event_id=${lastSeen}`);
      try {
        await until(() => byHeader.received.length >= 4 && byQuery.received.length >= 4, 'the replay and a live event');
        const upTo = Math.min(byHeader.received.at(-1)!.id, byQuery.received.at(-1)!.id);
        await until(() => witness.received.some((e) => e.id >= upTo), 'the witness to catch up');
        const expected = witness.received.filter((e) => e.id > lastSeen && e.id <= upTo).map((e) => e.id);
        for (const resumed of [byHeader, byQuery]) {
          const ids = resumed.received.map((e) => e.id).filter((id) => id <= upTo);
          expect(ids).toEqual(expected);
          expect(new Set(resumed.received.map((e) => e.id)).size).toBe(resumed.received.length);
          expect(resumed.received.map((e) => e.type)).toContain('threshold_exceeded');
        }
      } finally {
        byHeader.es.close();
        byQuery.es.close();
      }
    } finally {
      witness.es.close();
      first.es.close();
    }
    // Closed EventSources are gone on the server too.
    const deadline = Date.now() + 5000;
    while ((await clients()).sse !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await clients()).sse).toBe(0);
  });
});

describe('power streams, live mode (interval=0)', () => {
  let api: ApiHub;
  let n1: TestNode;
  let n2: TestNode;
  beforeAll(async () => {
    api = await startApiHub();
    n1 = await api.addNode('n1', 'c1');
    n2 = await api.addNode('n2', 'c2');
    await api.publishStatus(n1, {});
    await api.publishStatus(n2, {});
  });
  afterAll(async () => {
    await api.close();
  });

  it('WebSocket and SSE live mode (interval=0): a snapshot per stored batch, pushed from the ingest bus; batches of one turn make one frame', async () => {
    const live = await new Promise<{ ws: WebSocket; frames: Record<string, unknown>[] }>((resolve, reject) => {
      const ws = new WebSocket(`${api.api.replace('http', 'ws')}/api/v1/monitoring/stream/power?interval=0`, { headers: { authorization: AUTH } });
      const frames: Record<string, unknown>[] = [];
      ws.on('message', (m, isBinary) => {
        expect(isBinary).toBe(false);
        frames.push(JSON.parse(String(m)) as Record<string, unknown>);
      });
      ws.once('open', () => resolve({ ws, frames }));
      ws.once('error', reject);
    });
    const events = openEvents(`${api.api}/api/v1/monitoring/events/power?interval=0`);
    try {
      await until(() => live.frames.length === 1, 'the snapshot on connect');
      // No timer behind the live mode: nothing arrives while nothing is stored.
      await new Promise((r) => setTimeout(r, 1500));
      expect(live.frames).toHaveLength(1);

      const stored: number[] = [];
      const storedRows: StoredRow[] = [];
      const onSamples = ({ rows }: { rows: StoredRow[] }) => {
        stored.push(Date.now());
        storedRows.push(...rows);
      };
      api.hub.bus.on('samples', onSamples);
      const ts = Date.now();
      await api.publishTelemetry(n1, [gpu('GPU-a', 411.25), bmc(900)], ts);
      await until(() => live.frames.length === 2, 'the frame of the batch');
      const frame = live.frames[1]!;
      expect(frame).toMatchObject({ gpu_power_watts: 411.25, breakdown: { hardware: { ipmi_total: 900 } }, latest_sample_timestamp: new Date(ts).toISOString() });
      // Computed after the batch was stored, not at an earlier tick.
      expect(Date.parse(frame.timestamp as string)).toBeGreaterThanOrEqual(stored[0]!);
      await until(() => events.received.some((e) => e.type === 'power_update' && e.data.gpu_power_watts === 411.25), 'the SSE live power_update');

      // Two stored batches (two nodes) emitted on the bus in the same turn, as one group commit does: one frame with both.
      // GPU-a's row carries the series id the store gave it above; GPU-b's is a series the store has not seen yet.
      const gpuA = storedRows.find((r) => r.metric === 'gpu_power_watts' && r.labels.uuid === 'GPU-a')!.seriesId;
      const row = (node: TestNode, metric: string, labels: Record<string, string>, value: number, seriesId: number) => ({ metric, labels: { ...labels, node: node.name, cluster: node.cluster }, ts: Date.now(), value, seriesId });
      api.hub.bus.emit('samples', { node: { id: -1, name: n1.name, cluster: n1.cluster }, seq: 1000, rows: [row(n1, 'gpu_power_watts', { gpu: '0', uuid: 'GPU-a' }, 100, gpuA)] });
      api.hub.bus.emit('samples', { node: { id: -2, name: n2.name, cluster: n2.cluster }, seq: 1000, rows: [row(n2, 'gpu_power_watts', { gpu: '0', uuid: 'GPU-b' }, 50, 1_000_000)] });
      api.hub.bus.off('samples', onSamples);
      await until(() => live.frames.length >= 3, 'the frame of the two batches');
      await new Promise((r) => setTimeout(r, 500));
      expect(live.frames).toHaveLength(3);
      expect(live.frames[2]).toMatchObject({ gpu_power_watts: 150 });
    } finally {
      events.es.close();
      live.ws.close();
    }
  });
});
