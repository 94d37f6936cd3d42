import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UserStore } from '../../../hub/identity/users.js';
import { ADMIN_PASSWORD } from '../../helpers/hub.js';
import { startApiHub, type ApiHub } from '../../helpers/api.js';

interface Event {
  type: string;
  data: Record<string, unknown>;
}

/** A WebSocket client that keeps every JSON message and can wait for the next one of a type, or for the close. */
class WsClient {
  readonly events: Event[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters: (() => void)[] = [];
  readonly socket: WebSocket;
  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers });
    this.socket.on('message', (raw) => {
      this.events.push(JSON.parse(raw.toString()) as Event);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }
  send(msg: unknown): void {
    this.socket.send(JSON.stringify(msg));
  }
  /** The next message of `type` (taken out of `events`); waits for it without a deadline of its own (the test's timeout is the bound). */
  async next(type: string): Promise<Event> {
    for (;;) {
      const found = this.events.findIndex((e) => e.type === type);
      if (found >= 0) return this.events.splice(found, 1)[0]!;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

const json = { 'content-type': 'application/json' };

describe('revocation reaches open HTTP streams', () => {
  let h: ApiHub;
  let wsUrl: string;
  const sockets: WsClient[] = [];
  const sources: EventSource[] = [];

  const login = async (username: string, password: string): Promise<string> => {
    const res = await h.request('/api/v1/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username, password }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { token: string } }).data.token;
  };
  const idOf = async (user: [string, string]): Promise<string> => String((await h.json('/api/v1/users/me', { user })).data.id);
  /** /ws authenticated with `token`; resolves once the hub said `authenticated`. */
  const events = async (token: string): Promise<WsClient> => {
    const c = new WsClient(`${wsUrl}/ws`);
    sockets.push(c);
    await c.opened();
    c.send({ type: 'auth', token });
    await c.next('authenticated');
    return c;
  };
  /** A request that makes an audit record (a workspace created by the bootstrap admin). */
  const audited = async (name: string) => {
    const res = await h.request('/api/v1/workspaces', { method: 'POST', headers: json, body: JSON.stringify({ name }) });
    expect(res.status).toBe(201);
  };
  const audits = (c: WsClient) => c.events.filter((e) => e.type === 'audit_log_created');

  beforeAll(async () => {
    h = await startApiHub();
    wsUrl = h.api.replace(/^http/, 'ws');
  });
  afterAll(async () => {
    for (const c of sockets) c.socket.terminate();
    for (const s of sources) s.close();
    await h.close();
  });

  it("closes an admin's /ws with 4001 when its JWT is logged out, before the logout's own audit record", async () => {
    const amy: [string, string] = await h.addUser('amy', 'admin');
    const token = await login(...amy);
    const c = await events(token);
    await audited('before-logout');
    expect((await c.next('audit_log_created')).data).toMatchObject({ action: 'create', resource: 'workspace' });

    const out = await h.request('/api/v1/auth/logout', { method: 'POST', user: null, headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(200);
    expect(await c.closed).toEqual({ code: 4001, reason: expect.stringContaining('invalid') });
    expect(c.events.find((e) => e.type === 'error')?.data).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(audits(c)).toEqual([]);
  });

  it('closes the /ws of an admin demoted to user with 4003 FORBIDDEN', async () => {
    const ben: [string, string] = await h.addUser('ben', 'admin');
    const c = await events(await login(...ben));
    const demoted = await h.request(`/api/v1/users/${await idOf(ben)}`, { method: 'PUT', headers: json, body: JSON.stringify({ role: 'user' }) });
    expect(demoted.status).toBe(200);
    expect((await c.closed).code).toBe(4003);
    expect(c.events.find((e) => e.type === 'error')?.data).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('audit:read') });
    // The demotion's own audit record never reached the demoted admin.
    expect(audits(c)).toEqual([]);
  });

  it('keeps the /ws of a user without audit:read open through a demotion to viewer', async () => {
    const cid: [string, string] = await h.addUser('cid', 'user');
    const c = await events(`Basic ${Buffer.from(cid.join(':')).toString('base64')}`);
    const demoted = await h.request(`/api/v1/users/${await idOf(cid)}`, { method: 'PUT', headers: json, body: JSON.stringify({ role: 'viewer' }) });
    expect(demoted.status).toBe(200);
    c.send({ type: 'ping' });
    await c.next('pong');
    expect(c.socket.readyState).toBe(WebSocket.OPEN);
    expect(c.events).toEqual([]);
  });

  it('closes the /ws of a disabled admin and of a deleted admin with 4001, and leaves the others open', async () => {
    const dan: [string, string] = await h.addUser('dan', 'admin');
    const eve: [string, string] = await h.addUser('eve', 'admin');
    const bystander = await events(await login('admin', ADMIN_PASSWORD));
    const disabled = await events(await login(...dan));
    const deleted = await events(await login(...eve));

    const [danId, eveId] = [await idOf(dan), await idOf(eve)];
    const off = await h.request(`/api/v1/users/${danId}`, { method: 'PUT', headers: json, body: JSON.stringify({ is_active: false }) });
    expect(off.status).toBe(200);
    expect((await disabled.closed).code).toBe(4001);
    const gone = await h.request(`/api/v1/users/${eveId}`, { method: 'DELETE' });
    expect(gone.status).toBe(200);
    expect((await deleted.closed).code).toBe(4001);

    // What happened while they stood reached them (logins, dan's disabling for eve); the record of their own removal not.
    const about = (c: WsClient, id: string) => audits(c).filter((e) => e.data.resource_id === id);
    expect(about(disabled, danId)).toEqual([]);
    expect(about(deleted, eveId)).toEqual([]);
    // An admin whose standing did not change gets every record, the two changes' included.
    await audited('after-removals');
    const actions: unknown[] = [];
    while (actions.at(-1) !== 'create') actions.push((await bystander.next('audit_log_created')).data.action);
    expect(actions.filter((a) => a !== 'login')).toEqual(['update', 'delete', 'create']);
    expect(bystander.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a /ws when the user is disabled by another process (the CLI writing hub.db); the others stay', async () => {
    const fay: [string, string] = await h.addUser('fay', 'user');
    const c = await events(await login(...fay));
    const bystander = await events(await login('admin', ADMIN_PASSWORD));
    const users = new UserStore(h.db);
    users.update(users.byName('fay')!.id, { disabled: true });
    expect((await c.closed).code).toBe(4001);
    // Every stream was checked again (another process changed hub.db); the admin's passed and still gets records.
    await audited('after-cli');
    let last: Event;
    do last = await bystander.next('audit_log_created');
    while (last.data.action !== 'create');
    expect(bystander.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('ends an SSE power stream with an error event when its API key is revoked; the reconnect is refused', async () => {
    const gus: [string, string] = await h.addUser('gus', 'user');
    const created = await h.request('/api/v1/api-keys', { method: 'POST', user: gus, headers: json, body: JSON.stringify({ name: 'dash', scopes: ['metrics:read'] }) });
    expect(created.status).toBe(201);
    const { id, key } = ((await created.json()) as { data: { id: string; key: string } }).data;

    const attempts: number[] = [];
    const es = new EventSource(`${h.api}/api/v1/monitoring/events/power?interval=3600`, {
      fetch: async (input, init) => {
        const res = await fetch(input, { ...init, headers: { ...init?.headers, 'x-api-key': key } });
        attempts.push(res.status);
        return res;
      },
    });
    sources.push(es);
    await new Promise<void>((resolve, reject) => {
      es.onopen = () => resolve();
      es.onerror = reject;
    });
    const failed = new Promise<Record<string, unknown>>((resolve) => es.addEventListener('error', (e) => 'data' in e && resolve(JSON.parse(String(e.data)) as Record<string, unknown>)));
    const refused = new Promise<void>((resolve) =>
      es.addEventListener('error', () => {
        if (es.readyState === EventSource.CLOSED) resolve();
      }),
    );

    const revoked = await h.request(`/api/v1/api-keys/${id}`, { method: 'DELETE', user: gus });
    expect(revoked.status).toBe(200);
    expect(await failed).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    await refused;
    expect(attempts).toEqual([200, 401]);
  });

  it('closes a power WebSocket opened with a session cookie with 4001 when that session logs out', async () => {
    const [username, password] = await h.addUser('ivo', 'viewer');
    const res = await h.request('/api/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username, password }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    const c = new WsClient(`${wsUrl}/api/v1/monitoring/stream/power?interval=3600`, { cookie });
    sockets.push(c);
    await c.opened();
    const out = await h.request('/api/auth/logout', { method: 'POST', user: null, headers: { cookie } });
    expect(out.status).toBe(200);
    expect((await c.closed).code).toBe(4001);
  });

  it('closes a power WebSocket with 4001 when its user is disabled', async () => {
    const hal: [string, string] = await h.addUser('hal', 'viewer');
    const c = new WsClient(`${wsUrl}/api/v1/monitoring/stream/power?interval=3600`, { authorization: `Basic ${Buffer.from(hal.join(':')).toString('base64')}` });
    sockets.push(c);
    await c.opened();
    const off = await h.request(`/api/v1/users/${await idOf(hal)}`, { method: 'PUT', headers: json, body: JSON.stringify({ is_active: false }) });
    expect(off.status).toBe(200);
    expect((await c.closed).code).toBe(4001);
  });
});
