import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterHealthEvent } from '../../../../hub/bus.js';
import { FakePve } from '../../../fakes/proxmox/server.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const PASSWORD = 'pve-root-password';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every file under a directory (hub.db, its WAL, keys, status.json...). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('cluster registry (proxmoxer-cluster-api) through the real hub and a fake PVE', () => {
  let hub: ApiHub;
  let fake: FakePve;
  const post = (body: unknown, user?: [string, string]) =>
    hub.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(user && { user }) });
  const register = (name: string, extra: Record<string, unknown> = {}) => post({ name, api_endpoint: fake.url, username: 'root@pam', password: PASSWORD, ...extra });

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, version: '7.4-3' });
    hub = await startApiHub({ proxmox: { healthInterval: '50ms', timeout: '2s' } });
  });
  afterAll(async () => {
    await hub?.close();
    await fake?.close();
  });

  it('the seed\'s Go client: POST /clusters with its headers decodes every field of the 201 Cluster', async () => {
    // registerCluster() of the seed: json.Marshal(RegisterClusterRequest), Content-Type: application/json (plus the hub's Basic auth).
    const req = { name: 'prod-cluster', api_endpoint: fake.url, username: 'root@pam', password: PASSWORD };
    const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(req) });
    expect(res.status).toBe(201);
    const cluster = (await res.json()) as Record<string, unknown>;
    // ClusterResponse: every field present with the Go type it decodes into.
    const fields = { id: 'string', name: 'string', api_endpoint: 'string', status: 'string', proxmox_version: 'string', node_count: 'number', created_at: 'string', updated_at: 'string' };
    for (const [field, type] of Object.entries(fields)) expect(typeof cluster[field], field).toBe(type);
    expect(cluster.id).toMatch(UUID);
    expect(cluster).toMatchObject({ name: 'prod-cluster', api_endpoint: fake.url, proxmox_version: '7.4-3', node_count: 3, status: 'degraded', auth_method: 'api_token', nodes: ['pve1', 'pve2', 'pve3'] });
    expect(Number.isInteger(cluster.node_count)).toBe(true);
    expect(cluster.created_at).toMatch(RFC3339);
    expect(cluster.updated_at).toMatch(RFC3339);
    // The fake's certificate is self-signed: pinned on first use, and said so.
    expect(cluster.tls_fingerprint).toBe(fake.certificate.fingerprint);
    expect((cluster.warnings as string[]).join()).toMatch(/trust on first use/);
    expect(JSON.stringify(cluster)).not.toContain(PASSWORD);
  });

  it('exchanges the password for a privsep=0 API token and works with the token afterwards', async () => {
    const res = await register('token-cluster');
    const c = (await res.json()) as { id: string };
    const tokenId = `root@pam!kcloud-${c.id.slice(0, 8)}`;
    expect(fake.tokens.get(tokenId)?.privsep).toBe(0);
    const tokenCalls = fake.requests.filter((r) => r.auth === 'token').length;
    // The health loop runs with the token (no new ticket).
    await new Promise<void>((resolve) => {
      const poll = () => (fake.requests.filter((r) => r.auth === 'token').length > tokenCalls ? resolve() : setTimeout(poll, 20));
      poll();
    });
    expect(fake.requests.filter((r) => r.auth === 'token').length).toBeGreaterThan(tokenCalls);
  });

  it('keeps neither the password nor the token in clear in any file of the data dir or in the logs', async () => {
    const res = await register('secret-check');
    const { id } = (await res.json()) as { id: string };
    const token = fake.tokens.get(`root@pam!kcloud-${id.slice(0, 8)}`)!.secret;
    const row = hub.db.prepare('SELECT ciphertext FROM secrets WHERE name = ?').get(`proxmox/${id}`) as { ciphertext: string };
    expect(row.ciphertext).toMatch(/^kcs1\./);
    hub.db.pragma('wal_checkpoint(PASSIVE)');
    for (const file of filesUnder(hub.dataDir)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(PASSWORD), file).toBe(false);
      expect(bytes.includes(token), file).toBe(false);
    }
    expect(hub.logs.text()).not.toContain(PASSWORD);
    expect(hub.logs.text()).not.toContain(token);
    expect(hub.logs.text()).toContain('proxmox cluster registered');
  });

  it('falls back to tickets (password encrypted) when PVE refuses a token, and says so', async () => {
    fake.tokenCreation = false;
    try {
      const res = await register('ticket-cluster');
      expect(res.status).toBe(201);
      const c = (await res.json()) as { id: string; auth_method: string; warnings: string[] };
      expect(c.auth_method).toBe('ticket');
      expect(c.warnings.join()).toMatch(/refused to create an API token.*Permission check failed.*password is kept, encrypted/);
      const row = hub.db.prepare('SELECT ciphertext FROM secrets WHERE name = ?').get(`proxmox/${c.id}`) as { ciphertext: string };
      expect(row.ciphertext).toMatch(/^kcs1\./);
      hub.db.pragma('wal_checkpoint(PASSIVE)');
      for (const file of filesUnder(hub.dataDir)) expect(readFileSync(file).includes(PASSWORD), file).toBe(false);
      expect(hub.logs.text()).not.toContain(PASSWORD);
    } finally {
      fake.tokenCreation = true;
    }
  });

  it('GET /clusters lists registered clusters as {clusters, total} (and data)', async () => {
    const body = await hub.json('/api/v1/clusters');
    const names = body.clusters.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(['prod-cluster', 'token-cluster']));
    expect(body.total).toBe(body.clusters.length);
    const prod = body.clusters.find((c: { name: string }) => c.name === 'prod-cluster');
    expect(prod).toMatchObject({ api_endpoint: fake.url, proxmox_version: '7.4-3', node_count: 3 });
    expect(prod.id).toMatch(UUID);
    expect(body.data.map((c: { name: string }) => c.name)).toEqual(names);
  });

  it('GET /clusters/{id} by UUID and by name; 404 NotFound otherwise', async () => {
    const list = await hub.json('/api/v1/clusters');
    const prod = list.clusters.find((c: { name: string }) => c.name === 'prod-cluster');
    const byId = await hub.json(`/api/v1/clusters/${prod.id}`);
    expect(byId).toMatchObject({ id: prod.id, name: 'prod-cluster', api_endpoint: fake.url, proxmox_version: '7.4-3', node_count: 3 });
    expect((await hub.json('/api/v1/clusters/prod-cluster')).id).toBe(prod.id);
    const missing = await hub.request('/api/v1/clusters/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 'NotFound', message: 'Cluster not found', details: null });
  });

  it('409 Conflict for a taken name, before contacting PVE', async () => {
    // The health loop keeps calling PVE: what must not happen is a login or a token made for the refused registration.
    const logins = fake.calls('POST', '/access/ticket').length;
    const tokens = fake.tokens.size;
    const res = await register('prod-cluster');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'Conflict', message: 'Cluster already exists' });
    expect(fake.calls('POST', '/access/ticket')).toHaveLength(logins);
    expect(fake.tokens.size).toBe(tokens);
  });

  it('401 Unauthorized when PVE refuses the login; nothing stored', async () => {
    const res = await post({ name: 'bad-login', api_endpoint: fake.url, username: 'root@pam', password: 'wrong-password' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'Unauthorized', message: 'Authentication failed' });
    expect(hub.db.prepare("SELECT count(*) AS n FROM proxmox_clusters WHERE name = 'bad-login'").get()).toEqual({ n: 0 });
  });

  it.each([
    [{ api_endpoint: 'https://127.0.0.1:8006', username: 'root@pam', password: 'x' }, 'name', 'Cluster name is required'],
    [{ name: '', api_endpoint: 'https://127.0.0.1:8006', username: 'root@pam', password: 'x' }, 'name', 'Cluster name is required'],
    [{ name: 'x'.repeat(256), api_endpoint: 'https://127.0.0.1:8006', username: 'root@pam', password: 'x' }, 'name', /name/],
    [{ name: 'a', api_endpoint: 'http://127.0.0.1:8006', username: 'root@pam', password: 'x' }, 'api_endpoint', /api_endpoint/],
    [{ name: 'a', api_endpoint: 'https://127.0.0.1:8006', password: 'x' }, 'username', 'Username is required'],
    [{ name: 'a', api_endpoint: 'https://127.0.0.1:8006', username: 'root', password: 'x' }, 'username', /user@realm/],
    [{ name: 'a', api_endpoint: 'https://127.0.0.1:8006', username: 'root@pam' }, 'password', 'Password is required'],
    [{ name: 'a', api_endpoint: 'https://127.0.0.1:8006', username: 'root@pam', password: 'x'.repeat(1025) }, 'password', /password/],
    [{ name: 'a/b', api_endpoint: 'https://127.0.0.1:8006', username: 'root@pam', password: 'x' }, 'name', /name/],
    [{ name: 'a', api_endpoint: 'https://127.0.0.1:8006/api2/json?x=1', username: 'root@pam', password: 'x' }, 'api_endpoint', /api_endpoint/],
    [{ name: 'a', api_endpoint: 'https://127.0.0.1:8006', username: 'root@pam', password: 'x', tls_fingerprint: 'nope' }, 'tls_fingerprint', /SHA-256/],
  ])('400 BadRequest naming the field: %j', async (body, field, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const err = (await res.json()) as { code: string; message: string; details: { field: string } };
    expect(err.code).toBe('BadRequest');
    expect(err.details.field).toBe(field);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  });

  it('400 for a body that is not JSON; the hub keeps serving', async () => {
    const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('BadRequest');
  });

  it('502 BadGateway when PVE is unreachable, with the reason', async () => {
    const res = await post({ name: 'nowhere', api_endpoint: `https://127.0.0.1:${await closedPort()}`, username: 'root@pam', password: PASSWORD });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'BadGateway', message: 'Failed to connect to Proxmox', details: { reason: 'network' } });
  });

  it('502 with reason tls when the given tls_fingerprint is not the certificate\'s', async () => {
    const res = await register('wrong-pin', { tls_fingerprint: 'AA:'.repeat(31) + 'AA' });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'BadGateway', details: { reason: 'tls' } });
  });

  it('registers and deletes only with an admin-level permission; viewers may read', async () => {
    const viewer = await hub.addUser('vera', 'viewer');
    const user = await hub.addUser('ursula', 'user');
    for (const who of [viewer, user]) expect((await post({ name: 'x', api_endpoint: fake.url, username: 'root@pam', password: PASSWORD }, who)).status).toBe(403);
    expect((await hub.request('/api/v1/clusters/prod-cluster', { user: viewer })).status).toBe(200);
    expect((await hub.request('/api/v1/clusters/prod-cluster', { user: null })).status).toBe(401);
    const anon = await hub.request('/api/v1/clusters', { method: 'POST', user: null, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ code: 'Unauthorized' });
  });

  it('DELETE answers 204, deletes the PVE token, forgets the secret; then 404', async () => {
    const { id } = (await (await register('short-lived')).json()) as { id: string };
    const tokenId = `root@pam!kcloud-${id.slice(0, 8)}`;
    expect(fake.tokens.has(tokenId)).toBe(true);
    const del = await hub.request(`/api/v1/clusters/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    expect(fake.tokens.has(tokenId)).toBe(false);
    expect(hub.db.prepare('SELECT count(*) AS n FROM secrets WHERE name = ?').get(`proxmox/${id}`)).toEqual({ n: 0 });
    expect((await hub.request(`/api/v1/clusters/${id}`)).status).toBe(404);
    const again = await hub.request(`/api/v1/clusters/${id}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ code: 'NotFound', message: 'Cluster not found', details: null });
  });

  it('two registrations of one name at once: one 201, one 409, one token left on PVE', async () => {
    const tokens = fake.tokens.size;
    const answers = await Promise.all([register('racing'), register('racing')]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(fake.tokens.size).toBe(tokens + 1);
    expect(hub.db.prepare("SELECT count(*) AS n FROM proxmox_clusters WHERE name = 'racing'").get()).toEqual({ n: 1 });
  });

  it('DELETE while PVE is unreachable still forgets the cluster (204) and logs the token it could not delete', async () => {
    const { id } = (await (await register('orphan')).json()) as { id: string };
    fake.pause(true);
    try {
      expect((await hub.request(`/api/v1/clusters/${id}`, { method: 'DELETE' })).status).toBe(204);
    } finally {
      fake.pause(false);
    }
    expect((await hub.request(`/api/v1/clusters/${id}`)).status).toBe(404);
    expect(fake.tokens.has(`root@pam!kcloud-${id.slice(0, 8)}`)).toBe(true);
    expect(hub.logs.lines().some((l) => l.msg === 'cannot delete the Proxmox API token' && l.tokenId === `root@pam!kcloud-${id.slice(0, 8)}`)).toBe(true);
  });

  it('GET /health at the root is public', async () => {
    const res = await hub.request('/health', { user: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });
});

describe('cluster health through the registry (its own fake PVE)', () => {
  let hub: ApiHub;
  let fake: FakePve;
  const waitStatus = (name: string, status: ClusterHealthEvent['status']) =>
    new Promise<ClusterHealthEvent>((resolve) => {
      const on = (e: ClusterHealthEvent) => {
        if (e.name !== name || e.status !== status) return;
        hub.hub.bus.off('cluster-health', on);
        resolve(e);
      };
      hub.hub.bus.on('cluster-health', on);
    });

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, nodes: [{ name: 'pve1', online: true }, { name: 'pve2', online: true }] });
    hub = await startApiHub({ proxmox: { healthInterval: '50ms', timeout: '2s' } });
  });
  afterAll(async () => {
    await hub?.close();
    await fake?.close();
  });

  it('healthy -> degraded -> unhealthy -> healthy as the cluster changes, each change a bus event and in GET', async () => {
    const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'lab', api_endpoint: fake.url, username: 'root@pam', password: PASSWORD }) });
    const created = (await res.json()) as { id: string; status: string };
    expect(created.status).toBe('healthy');

    const degraded = waitStatus('lab', 'degraded');
    fake.setNodeOnline('pve2', false);
    expect(await degraded).toMatchObject({ previous: 'healthy', reason: 'node offline: pve2' });
    expect(await hub.json(`/api/v1/clusters/${created.id}`)).toMatchObject({ status: 'degraded', status_reason: 'node offline: pve2' });

    const unhealthy = waitStatus('lab', 'unhealthy');
    fake.pause(true);
    expect((await unhealthy).reason).toMatch(/^unreachable: /);

    const healthy = waitStatus('lab', 'healthy');
    fake.setNodeOnline('pve2', true);
    fake.pause(false);
    expect(await healthy).toMatchObject({ previous: 'unhealthy', reason: null });
    expect(await hub.json(`/api/v1/clusters/${created.id}`)).toMatchObject({ status: 'healthy', status_reason: null, node_count: 2 });

    // Each change is a notification for the admins (skyclust's /notifications).
    const notes = await hub.json('/api/v1/notifications?category=cluster_health&limit=10');
    const titles = notes.data.notifications.map((n: { title: string }) => n.title);
    expect(titles).toEqual(expect.arrayContaining(['Proxmox cluster lab is degraded', 'Proxmox cluster lab is unhealthy', 'Proxmox cluster lab is healthy']));
  });

  it('a changed certificate makes the cluster unhealthy with a clear reason', async () => {
    const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cert-lab', api_endpoint: fake.url, username: 'root@pam', password: PASSWORD }) });
    expect(res.status).toBe(201);
    const unhealthy = waitStatus('cert-lab', 'unhealthy');
    const next = await fake.rotateCertificate();
    const e = await unhealthy;
    expect(e.reason).toMatch(/^TLS refused: certificate of 127\.0\.0\.1.* changed/);
    expect(e.reason).toContain(next.fingerprint);
    const c = await hub.json('/api/v1/clusters/cert-lab');
    expect(c.status).toBe('unhealthy');
    expect(c.tls_fingerprint).not.toBe(next.fingerprint);
  });
});

describe('trust on first use refused by the hub setting', () => {
  it('502 with the seen fingerprint when the certificate does not verify and proxmox.trustOnFirstUse is false', async () => {
    const fake = await FakePve.start({ loginDelayMs: 0 });
    const hub = await startApiHub({ proxmox: { trustOnFirstUse: false } });
    try {
      const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'strict', api_endpoint: fake.url, username: 'root@pam', password: PASSWORD }) });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ code: 'BadGateway', details: { reason: 'tls', tls_fingerprint: fake.certificate.fingerprint } });
      expect(fake.requests).toHaveLength(0);
      // With the fingerprint given (from the PVE GUI) it registers.
      const pinned = await hub.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'strict', api_endpoint: fake.url, username: 'root@pam', password: PASSWORD, tls_fingerprint: fake.certificate.fingerprint.toLowerCase() }) });
      expect(pinned.status).toBe(201);
      expect(((await pinned.json()) as { warnings: string[] }).warnings).toEqual([]);
    } finally {
      await hub.close();
      await fake.close();
    }
  });
});
