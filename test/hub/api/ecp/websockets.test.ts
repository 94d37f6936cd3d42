import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DemoDeployer } from '../../../../hub/integrations/kubernetes/demo-deployer.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

type Frame = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const basic = ([u, p]: [string, string]) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const headers = { 'content-type': 'application/json', 'x-demo-mode': 'true' };

/** A WebSocket client that keeps every JSON frame and waits for the next one matching a test, or for the close; no deadline of its own (the test's timeout is the bound). */
class WsClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the status and body of a refused upgrade, or 101 once open. */
  readonly outcome: Promise<{ status: number; body: Frame | null }>;
  private readonly waiters: (() => void)[] = [];
  readonly socket: WebSocket;
  constructor(url: string, user: [string, string] | null) {
    this.socket = new WebSocket(url, { headers: user ? { authorization: basic(user) } : {} });
    this.socket.on('message', (raw) => {
      this.frames.push(JSON.parse(raw.toString()) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.outcome = new Promise((resolve) => {
      this.socket.once('open', () => resolve({ status: 101, body: null }));
      this.socket.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Frame) : null }));
      });
    });
    // A refused upgrade also emits 'error' after 'unexpected-response'; the outcome has it.
    this.socket.on('error', () => {});
  }
  send(msg: unknown): void {
    this.socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }
  /** The next frame (taken out of `frames`) for which `test` holds. */
  async next(test: (f: Frame) => boolean = () => true): Promise<Frame> {
    for (;;) {
      const found = this.frames.findIndex(test);
      if (found >= 0) return this.frames.splice(found, 1)[0]!;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

describe('ECP-AI WebSockets /ws/monitoring, /ws/deployment, /ws/alerts (real hub and ws client)', () => {
  let hub: ApiHub;
  let wsUrl: string;
  let deployer: DemoDeployer;
  const clients: WsClient[] = [];
  const uma: [string, string] = ['uma', 'uma-password'];
  const ned: [string, string] = ['ned', 'ned-password'];
  const admin: [string, string] = ['admin', 'test-admin-password'];
  const connect = async (path: string, user: [string, string] | null = uma) => {
    const c = new WsClient(`${wsUrl}${path}`, user);
    clients.push(c);
    return c;
  };
  const opened = async (path: string, user: [string, string] | null = uma) => {
    const c = await connect(path, user);
    expect((await c.outcome).status).toBe(101);
    return c;
  };
  const post = async (tenant: string, metrics: Record<string, number>, user = uma) => {
    const res = await hub.request(`/api/v1/tenants/${tenant}/monitoring`, { method: 'POST', user, headers, body: JSON.stringify({ metrics }) });
    expect(res.status).toBe(201);
  };
  const create = async (tenantId: string, user: [string, string]) => {
    const res = await hub.request('/api/v1/tenants', { method: 'POST', user, headers, body: JSON.stringify({ tenant_id: tenantId, name: tenantId, service_requirements: { callbot: 10, chatbot: 20 } }) });
    expect(res.status).toBe(201);
    return (await res.json()).deployment_id as string;
  };

  beforeAll(async () => {
    hub = await startApiHub({
      ecp: {
        demoStepInterval: '1h',
        monitoring: { minPushInterval: '50ms', maxSocketsPerUser: 3, alertThresholds: { cpu: { warning: 60, critical: 90 }, error_rate: { warning: 0.05, critical: 0.1 } } },
      },
    });
    wsUrl = hub.api.replace(/^http/, 'ws');
    await hub.addUser('uma', 'user', 'uma-password');
    await hub.addUser('ned', 'user', 'ned-password');
    // Drives demo deployments step by step on the hub's own bus (the hub's timer is an hour).
    deployer = new DemoDeployer(hub.db, hub.hub.bus, 3_600_000);
    await create('uma-t', uma);
    await create('ned-t', ned);
  });
  afterAll(async () => {
    for (const c of clients) c.socket.terminate();
    await hub?.close();
  });

  it('refuses before the upgrade: no credentials 401, another user\'s tenant 403, an unknown tenant 404, a malformed deployment id 422 (ECP error body)', async () => {
    const anon = await (await connect('/ws/monitoring/uma-t', null)).outcome;
    expect(anon.status).toBe(401);
    expect(anon.body!.error).toMatchObject({ code: 'UNAUTHORIZED', request_id: expect.any(String) });
    const other = await (await connect('/ws/monitoring/uma-t', ned)).outcome;
    expect(other.status).toBe(403);
    expect(other.body!.error).toMatchObject({ code: 'FORBIDDEN', details: { tenant_id: 'uma-t' } });
    expect((await (await connect('/ws/alerts/uma-t', ned)).outcome).status).toBe(403);
    const missing = await (await connect('/ws/alerts/no-such')).outcome;
    expect(missing.status).toBe(404);
    expect(missing.body!.error.code).toBe('TENANT_NOT_FOUND');
    expect((await (await connect('/ws/deployment/dep-0000000000000000')).outcome).body!.error.code).toBe('DEPLOYMENT_NOT_FOUND');
    expect((await (await connect('/ws/deployment/../../etc')).outcome).status).toBeGreaterThanOrEqual(400);
    expect((await (await connect('/ws/deployment/not-an-id')).outcome).status).toBe(422);
    // Admins see every tenant.
    (await opened('/ws/alerts/uma-t', admin)).socket.close();
  });

  it('monitoring: subscribe, then the newest values at the interval; a post shows up in a later push; a demo tenant\'s unposted values are simulated and marked', async () => {
    const c = await opened('/ws/monitoring/uma-t');
    c.send({ action: 'subscribe', metrics: ['cpu', 'memory', 'gpu_power_watts'], interval: 50 });
    expect(await c.next((f) => f.action === 'subscribed')).toEqual({ action: 'subscribed', tenant_id: 'uma-t', metrics: ['cpu', 'memory', 'gpu_power_watts'], interval: 50 });
    const first = await c.next((f) => f.tenant_id === 'uma-t' && 'metrics' in f);
    expect(Date.parse(first.timestamp)).not.toBeNaN();
    expect(first).toMatchObject({ simulated: true, sources: { cpu: 'simulated', memory: 'simulated' } });
    expect(first.metrics.cpu).toEqual(expect.any(Number));
    expect(first.metrics.gpu_power_watts).toBeNull();
    expect(first.unavailable.gpu_power_watts).toMatch(/^demo tenant/);
    await post('uma-t', { cpu_usage: 42.5 });
    const after = await c.next((f) => f.sources?.cpu === 'posted');
    expect(after.metrics.cpu).toBe(42.5);
    expect(after.sources.memory).toBe('simulated');
    // Unsubscribe stops the pushes: the acknowledgement, then nothing but what the test sends for.
    c.send({ action: 'unsubscribe' });
    await c.next((f) => f.action === 'unsubscribed');
    c.send({ action: 'subscribe', metrics: ['requests'], interval: 3_600_000 });
    await c.next((f) => f.action === 'subscribed');
    const requests = await c.next((f) => f.metrics && 'requests' in f.metrics);
    expect(requests).toMatchObject({ metrics: { requests: null }, unavailable: { requests: expect.stringMatching(/nothing posted for request_count/) } });
    c.socket.close();
    await c.closed;
  });

  it('monitoring: a bad interval, unknown metrics, bad JSON get an error frame naming the field; an oversized message closes with 1009', async () => {
    const c = await opened('/ws/monitoring/uma-t');
    c.send({ action: 'subscribe', metrics: ['cpu'], interval: 10 });
    expect((await c.next((f) => f.error)).error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'interval', min: 50 } });
    c.send({ action: 'subscribe', metrics: ['cpu'], interval: 5.5 });
    expect((await c.next((f) => f.error)).error.details.field).toBe('interval');
    c.send({ action: 'subscribe', metrics: ['cpu'], interval: 'fast' });
    expect((await c.next((f) => f.error)).error.details.field).toBe('interval');
    c.send({ action: 'subscribe', metrics: ['disk'], interval: 1000 });
    expect((await c.next((f) => f.error)).error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'metrics' } });
    c.send({ action: 'subscribe', metrics: Array.from({ length: 40 }, () => 'cpu'), interval: 1000 });
    expect((await c.next((f) => f.error)).error.details.field).toBe('metrics');
    c.send('{not json');
    expect((await c.next((f) => f.error)).error.code).toBe('BAD_REQUEST');
    c.send({ action: 'explode' });
    expect((await c.next((f) => f.error)).error.details.field).toBe('action');
    // None of that subscribed anything.
    expect(c.frames.filter((f) => f.metrics)).toEqual([]);
    c.send(JSON.stringify({ action: 'subscribe', metrics: ['cpu'], interval: 1000, pad: 'x'.repeat(5000) }));
    expect((await c.closed).code).toBe(1009);
  });

  it('sessions per user are bounded (ecp.monitoring.maxSocketsPerUser = 3): the fourth upgrade is 429; closing one frees a place', async () => {
    const held = [await opened('/ws/monitoring/uma-t'), await opened('/ws/alerts/uma-t'), await opened('/ws/monitoring/uma-t')];
    const refused = await (await connect('/ws/alerts/uma-t')).outcome;
    expect(refused.status).toBe(429);
    expect(refused.body!.error).toMatchObject({ code: 'TOO_MANY_SESSIONS', details: { limit: 3 } });
    // Another user is not affected.
    const other = await opened('/ws/monitoring/ned-t', ned);
    held[0]!.socket.close();
    await held[0]!.closed;
    const again = await opened('/ws/monitoring/uma-t');
    for (const c of [again, held[1]!, held[2]!, other]) {
      c.socket.close();
      await c.closed;
    }
  });

  it('alerts: a post above a configured threshold raises the seed\'s alert once per crossing; a new client gets the active ones', async () => {
    const c = await opened('/ws/alerts/uma-t');
    await post('uma-t', { cpu_usage: 85.2 });
    const warning = await c.next();
    expect(warning).toEqual({
      alert_id: expect.stringMatching(/^alert-[0-9a-f]{12}$/),
      tenant_id: 'uma-t',
      severity: 'warning',
      type: 'resource_usage',
      message: 'CPU usage 85.2% is above the warning threshold 60%',
      metric: 'cpu',
      current_value: 85.2,
      threshold: 60,
      timestamp: expect.any(String),
    });
    // Still above the warning level: nothing new; the next frame is the escalation to critical.
    await post('uma-t', { cpu_usage: 70 });
    await post('uma-t', { cpu_usage: 95, error_rate: 0.02 });
    expect(await c.next()).toMatchObject({ severity: 'critical', metric: 'cpu', current_value: 95, threshold: 90 });
    // Another tenant's alerts never reach this socket.
    await post('ned-t', { cpu_usage: 99 }, ned);
    await post('uma-t', { error_rate: 0.07 });
    expect(await c.next()).toMatchObject({ tenant_id: 'uma-t', severity: 'warning', metric: 'error_rate', threshold: 0.05 });
    const late = await opened('/ws/alerts/uma-t');
    const active = [await late.next(), await late.next()];
    expect(active.map((a) => `${a.metric}:${a.severity}`).sort()).toEqual(['cpu:critical', 'error_rate:warning']);
    // Back below: re-armed, so the next crossing alerts again.
    await post('uma-t', { cpu_usage: 10 });
    await post('uma-t', { cpu_usage: 61 });
    expect(await c.next()).toMatchObject({ severity: 'warning', metric: 'cpu', current_value: 61 });
    expect(c.frames).toEqual([]);
    for (const s of [c, late]) {
      s.socket.close();
      await s.closed;
    }
  });

  it('deployment: the state at once, every step as the deployer takes it, closed with 1000 when completed; another user\'s deployment is 403', async () => {
    const id = await create('uma-dep', uma);
    expect((await (await connect(`/ws/deployment/${id}`, ned)).outcome).status).toBe(403);
    const c = await opened(`/ws/deployment/${id}`);
    const first = await c.next();
    expect(first).toMatchObject({ deployment_id: id, tenant_id: 'uma-dep', status: 'deploying', progress: 0, phase: 'creating-namespace' });
    const seen: number[] = [];
    let last = first;
    while (last.status === 'deploying') {
      deployer.step();
      last = await c.next();
      seen.push(last.progress);
    }
    expect(last).toMatchObject({ deployment_id: id, status: 'completed', progress: 100, phase: 'completed', message: 'tenant running' });
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.length).toBeGreaterThan(3);
    expect(await c.closed).toEqual({ code: 1000, reason: 'deployment completed' });
    // A finished deployment: its final state, then the close.
    const done = await opened(`/ws/deployment/${id}`);
    expect(await done.next()).toMatchObject({ status: 'completed', progress: 100 });
    expect((await done.closed).code).toBe(1000);
  });

  it('a credential revoked while a socket is open closes it with 4001', async () => {
    const c = await opened('/ws/monitoring/ned-t', ned);
    const nedId = (await hub.json('/api/v1/users/me', { user: ned })).data.id;
    const off = await hub.request(`/api/v1/users/${nedId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ is_active: false }) });
    expect(off.status).toBe(200);
    expect((await c.closed).code).toBe(4001);
  });
});
