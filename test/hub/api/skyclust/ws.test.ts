import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_PASSWORD } from '../../../helpers/hub.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';

interface Event {
  type: string;
  data: Record<string, unknown>;
}

/** A /ws client that keeps every event and waits for the next of a type, or for the close. */
class WsClient {
  readonly events: Event[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];
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
  async next(type: string, timeoutMs = 5000): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.type === type);
      if (found) {
        this.events.splice(this.events.indexOf(found), 1);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`no ${type} event; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

const basicToken = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('skyclust /ws events', () => {
  let h: ApiHub;
  let node: TestNode;
  let wsUrl: string;
  const clients: WsClient[] = [];
  const open = async (path = '/api/v1/ws', headers: Record<string, string> = {}) => {
    const c = new WsClient(`${wsUrl}${path}`, headers);
    clients.push(c);
    await c.opened();
    return c;
  };

  beforeAll(async () => {
    h = await startApiHub();
    wsUrl = h.api.replace(/^http/, 'ws');
    await h.addUser('ann', 'user');
    node = await h.addNode('gpu-ws', 'lab');
    await h.publishStatus(node, { state: 'online' });
  });
  afterAll(async () => {
    for (const c of clients) c.socket.terminate();
    await h.close();
  });

  it('closes a socket whose first message is not auth, with a policy-violation code', async () => {
    const c = await open();
    c.send({ type: 'subscribe', channel: 'notifications' });
    expect((await c.closed).code).toBe(1008);
    expect(c.events.map((e) => e.type)).toEqual(['error']);
  });

  it('closes a socket with a wrong token', async () => {
    const c = await open();
    c.send({ type: 'auth', token: basicToken('admin', 'wrong-password') });
    expect((await c.closed).code).toBe(1008);
    const bogusJwt = await open();
    bogusJwt.send({ type: 'auth', token: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl' });
    expect((await bogusJwt.closed).code).toBe(1008);
  });

  it('authenticates {"type":"auth"} with no token by the upgrade\'s session cookie (the web console), and refuses it with no cookie or an ended session', async () => {
    const login = await h.request('/api/auth/login', { method: 'POST', user: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('kcloud_session='))!;
    const browser = await open('/api/v1/ws', { cookie });
    browser.send({ type: 'auth' });
    expect((await browser.next('authenticated')).data).toMatchObject({ username: 'admin', role: 'admin' });

    // Another site's page cannot use the cookie (cross-site WebSocket hijacking); this hub's own page can.
    const foreign = await open('/api/v1/ws', { cookie, origin: 'https://evil.example' });
    foreign.send({ type: 'auth' });
    expect((await foreign.closed).code).toBe(1008);
    const own = await open('/api/v1/ws', { cookie, origin: h.api });
    own.send({ type: 'auth' });
    expect((await own.next('authenticated')).data).toMatchObject({ username: 'admin' });
    own.socket.close();

    const anonymous = await open();
    anonymous.send({ type: 'auth' });
    expect((await anonymous.closed).code).toBe(1008);
    expect(anonymous.events.map((e) => e.type)).toEqual(['error']);

    // Signing out ends the session: the open socket is closed as revoked, a new one is refused.
    expect((await h.request('/api/auth/logout', { method: 'POST', user: null, headers: { cookie } })).status).toBe(200);
    expect((await browser.closed).code).toBe(4001);
    const ended = await open('/api/v1/ws', { cookie });
    ended.send({ type: 'auth' });
    expect((await ended.closed).code).toBe(1008);
  });

  it('closes a socket that does not authenticate within 5 s', async () => {
    const c = await open();
    const started = Date.now();
    expect((await c.closed).code).toBe(1008);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
  }, 15_000);

  it('pushes notification_received and audit_log_created to an admin authenticated with a JWT', async () => {
    const login = await h.request('/api/v1/auth/login', { method: 'POST', user: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    expect(login.status).toBe(200);
    const { token } = (await login.json()).data as { token: string };
    const c = await open('/ws');
    c.send({ type: 'auth', token });
    const admin = h.db.prepare("SELECT uuid FROM users WHERE username = 'admin'").get() as { uuid: string };
    expect((await c.next('authenticated')).data).toMatchObject({ user_id: admin.uuid, username: 'admin', role: 'admin' });

    await h.publishStatus(node, { state: 'offline' });
    const n = await c.next('notification_received');
    expect(n.data).toMatchObject({ category: 'node_offline', node: 'gpu-ws', cluster: 'lab', is_read: false });
    const stored = (await h.json('/api/v1/notifications')).data.notifications[0];
    expect(n.data.id).toBe(stored.id);
    expect(typeof n.data.timestamp).toBe('string');

    const created = await (await h.request('/api/v1/workspaces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'live' }) })).json();
    const a = await c.next('audit_log_created');
    expect(a.data).toMatchObject({ action: 'create', resource: 'workspace', resource_id: created.data.id, username: 'admin', success: true });
  });

  it('sends a user only their own notifications and no audit events', async () => {
    const admin = await open();
    admin.send({ type: 'auth', token: basicToken('admin', ADMIN_PASSWORD) });
    await admin.next('authenticated');
    const ann = await open();
    ann.send({ type: 'auth', token: basicToken('ann', 'ann-password') });
    expect((await ann.next('authenticated')).data).toMatchObject({ username: 'ann', role: 'user' });

    await h.publishStatus(node, { state: 'online' });
    await admin.next('notification_received');
    await h.request('/api/v1/workspaces', { method: 'POST', user: ['ann', 'ann-password'], headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'anns' }) });
    expect((await admin.next('audit_log_created')).data).toMatchObject({ username: 'ann', action: 'create' });
    // Events reach both sockets in the same tick; a pong after them shows ann got none.
    ann.send({ type: 'ping' });
    await ann.next('pong');
    expect(ann.events).toEqual([]);
  });
});
