import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePve } from '../../../fakes/proxmox/server.js';
import type { ApiHub } from '../../../helpers/api.js';
import { ADMIN_PASSWORD } from '../../../helpers/hub.js';
import { json, startManagerHub, waitTask, webServer } from './pve-helpers.js';

/** The seed's 400 body naming `field`. */
const invalid = (field: string) => ({ error: { code: 'INVALID_REQUEST', message: expect.any(String), details: { field, reason: expect.any(String) } } });

describe('server manager: hostile input is refused in the seed\'s body and stores nothing (real hub, fake PVE)', () => {
  let fake: FakePve;
  let hub: ApiHub;
  const send = (method: string, path: string, body: string, user?: [string, string]) => hub.request(path, { method, headers: json, body, ...(user && { user }) });
  const post = (path: string, body: unknown) => send('POST', path, JSON.stringify(body));
  const stored = () => ({
    servers: hub.db.prepare('SELECT COUNT(*) AS n FROM pve_servers').get(),
    tasks: hub.db.prepare('SELECT COUNT(*) AS n FROM pve_tasks').get(),
  });
  const answer = async (res: Response) => [res.status, await res.json()];
  /** A request whose path goes as written: fetch (and a URL string) would resolve `.`, `..` and `%2e%2e` segments before sending. */
  const raw = (method: string, path: string, body?: string) =>
    new Promise<[number, unknown]>((resolve, reject) => {
      const { hostname, port } = new URL(hub.api);
      const req = httpRequest({ hostname, port, path, method, auth: `admin:${ADMIN_PASSWORD}`, headers: body === undefined ? {} : json }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve([res.statusCode!, JSON.parse(text)]));
      });
      req.on('error', reject);
      req.end(body);
    });

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 1 });
    hub = await startManagerHub(fake);
  });
  afterAll(async () => {
    await hub.close();
    await fake.close();
  });

  it.each([
    ['cpu 1e308', { cpu: 1e308 }, 'cpu'],
    ['cpu 0', { cpu: 0 }, 'cpu'],
    ['cpu 2.5', { cpu: 2.5 }, 'cpu'],
    ['memory -1', { memory: -1 }, 'memory'],
    ['memory as the string "NaN"', { memory: 'NaN' }, 'memory'],
    ['disk_size as the string "Infinity"', { disk_size: 'Infinity' }, 'disk_size'],
    ['disk_size as the string "1e400"', { disk_size: '1e400' }, 'disk_size'],
    ['disk_size past 2^53', { disk_size: 2 ** 60 }, 'disk_size'],
    ['name with a control character', { name: 'web\u0000-1' }, 'name'],
    ['name with a newline', { name: 'web-1\nrole=db' }, 'name'],
    ['name in Hangul', { name: '웹서버' }, 'name'],
    ['name with a right-to-left override', { name: 'web\u202e1' }, 'name'],
    ['name of 1 MB', { name: 'a'.repeat(1_000_000) }, 'name'],
    ['role unknown', { role: '../../etc' }, 'role'],
    ['ip_address with a port', { network_config: { ip_address: '192.168.0.5:22', subnet: '24', gateway: '192.168.0.1' } }, 'network_config.ip_address'],
    ['ip_address with leading zeros', { network_config: { ip_address: '192.168.000.5', subnet: '24', gateway: '192.168.0.1' } }, 'network_config.ip_address'],
    ['ip_address the subnet\'s network address', { network_config: { ip_address: '192.168.0.0', subnet: '24', gateway: '192.168.0.1' } }, 'network_config.ip_address'],
    ['ip_address the subnet\'s broadcast address', { network_config: { ip_address: '192.168.0.255', subnet: '255.255.255.0', gateway: '192.168.0.1' } }, 'network_config.ip_address'],
    ['gateway the subnet\'s broadcast address', { network_config: { ip_address: '192.168.0.5', subnet: 24, gateway: '192.168.0.255' } }, 'network_config.gateway'],
    ['subnet 0', { network_config: { ip_address: '192.168.0.5', subnet: 0, gateway: '192.168.0.1' } }, 'network_config.subnet'],
    ['subnet 1e308', { network_config: { ip_address: '192.168.0.5', subnet: 1e308, gateway: '192.168.0.1' } }, 'network_config.subnet'],
  ])('create with %s: 400 naming the field, nothing stored', async (_, change, field) => {
    const before = stored();
    const res = await post('/api/servers/create', { ...webServer('hostile-1', '192.168.0.5'), ...change });
    const [status, body] = await answer(res);
    expect([status, body]).toEqual([expect.any(Number), invalid(field)]);
    expect(status).toBe(400);
    expect(stored()).toEqual(before);
  });

  it('a body past 1 MB: 413 in the seed\'s body, nothing stored', async () => {
    const before = stored();
    const res = await post('/api/servers/create', { ...webServer('big-1', '192.168.0.6'), role: 'x'.repeat(2_000_000) });
    const [status, body] = await answer(res);
    expect(status).toBe(413);
    expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Object) } });
    expect(stored()).toEqual(before);
  });

  it('JSON nested 100 000 deep: 400 in the seed\'s body, the hub still answers', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const res = await send('POST', '/api/servers/create', `{"name":"deep-1","role":"web","cpu":1,"memory":1024,"disk_size":20,"network_config":${deep}}`);
    const [status, body] = await answer(res);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await hub.request('/api/servers')).status).toBe(200);
  });

  it('bulk-create with 10 000 servers or a /8 ip_range: 400 naming the field, nothing stored', async () => {
    const before = stored();
    const many = { servers: Array.from({ length: 10_000 }, () => ({ name: 'a', role: 'web', cpu: 1, memory: 1024, disk_size: 20 })), network_config: { ip_range: '10.0.0.2-10.0.0.3', subnet: 8, gateway: '10.0.0.1' } };
    expect(await answer(await post('/api/servers/bulk-create', many))).toEqual([400, invalid('servers')]);
    const wide = { servers: [{ name: 'wide-1', role: 'web', cpu: 1, memory: 1024, disk_size: 20 }], network_config: { ip_range: '10.0.0.2-10.255.255.254', subnet: 8, gateway: '10.0.0.1' } };
    expect(await answer(await post('/api/servers/bulk-create', wide))).toEqual([400, invalid('network_config.ip_range')]);
    const backwards = { ...wide, network_config: { ...wide.network_config, ip_range: '10.0.0.9-10.0.0.2' } };
    expect(await answer(await post('/api/servers/bulk-create', backwards))).toEqual([400, invalid('network_config.ip_range')]);
    expect(stored()).toEqual(before);
  });

  it('bulk-create: a range leaving the gateway\'s subnet is 400 naming ip_range; its network and broadcast addresses are never given out', async () => {
    const before = stored();
    const servers = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i}`, role: 'web', cpu: 1, memory: 1024, disk_size: 20 }));
    const crossing = { servers: servers('cross', 2), network_config: { ip_range: '192.168.5.254-192.168.6.1', subnet: 24, gateway: '192.168.5.1' } };
    expect(await answer(await post('/api/servers/bulk-create', crossing))).toEqual([400, invalid('network_config.ip_range')]);
    // .0 (network), .1 (gateway) and .255 (broadcast) are not addresses for servers: of .0-.3 two are free.
    const edges = { servers: servers('edge', 3), network_config: { ip_range: '192.168.7.0-192.168.7.3', subnet: 24, gateway: '192.168.7.1' } };
    expect(await answer(await post('/api/servers/bulk-create', edges))).toEqual([400, invalid('network_config.ip_range')]);
    expect(stored()).toEqual(before);
    const [status, body] = await answer(await post('/api/servers/bulk-create', { ...edges, servers: servers('edge', 2) }));
    expect(status).toBe(200);
    expect(body.servers.map((s: { ip_address: string }) => s.ip_address)).toEqual(['192.168.7.2', '192.168.7.3']);
    // Done before the next tests count PVE calls.
    expect((await waitTask(hub, body.task_id)).at(-1)!.status).toBe('completed');
  });

  it('bulk-create naming one server twice in different case: 400 naming the second, nothing stored', async () => {
    const before = stored();
    const twice = { servers: ['Case-1', 'case-1'].map((name) => ({ name, role: 'web', cpu: 1, memory: 1024, disk_size: 20 })), network_config: { ip_range: '192.168.2.10-192.168.2.20', subnet: 24, gateway: '192.168.2.1' } };
    expect(await answer(await post('/api/servers/bulk-create', twice))).toEqual([400, invalid('servers[1].name')]);
    expect(stored()).toEqual(before);
  });

  it('bulk-delete with 100 000 ids, ids past 2^31, or negative: 400 naming the field, nothing changed', async () => {
    const before = stored();
    expect(await answer(await post('/api/servers/bulk-delete', { server_ids: Array.from({ length: 100_000 }, (_, i) => i + 1) }))).toEqual([400, invalid('server_ids')]);
    expect((await answer(await post('/api/servers/bulk-delete', { server_ids: [2 ** 31] })))[0]).toBe(400);
    expect((await answer(await post('/api/servers/bulk-delete', { server_ids: [-1] })))[0]).toBe(400);
    expect(stored()).toEqual(before);
  });

  it.each(['99999999999999999999999', '2147483648', '-1', '0', '1.5', 'NaN', '1;DROP'])('DELETE /servers/%s: 400 naming id', async (id) => {
    expect(await answer(await hub.request(`/api/servers/${id}`, { method: 'DELETE' }))).toEqual([400, invalid('id')]);
  });

  it.each([
    ['local:backup%2F..%2F..%2Fetc', 'backup_id'],
    ['vzdump-qemu-1-2020_01_01-00_00_00.vma.zst%3Brm%20-rf', 'backup_id'],
    ['vzdump-qemu-1-2020_01_01-00_00_00.vma.zst%0Aqmrestore', 'backup_id'],
    ['vzdump-qemu-1-2020_01_01-00_00_00.vma.zst%0A', 'backup_id'],
    ['vzdump-qemu-1-2020_01_01-00_00_00.vma.zst%00', 'backup_id'],
    ['..%2F..%2Fetc%2Fpasswd', 'backup_id'],
    ['%2e%2e', 'backup_id'],
  ])('backup id %s: 400 naming %s, PVE not asked to delete or restore', async (id, field) => {
    // Archive deletes and restores (servers other tests made keep PVE busy meanwhile).
    const writes = () => fake.calls('DELETE', /\/content\//).length + fake.calls('POST', /\/qemu$/).filter((c) => c.params.archive).length;
    const before = writes();
    expect(await raw('DELETE', `/api/backups/${id}`)).toEqual([400, invalid(field)]);
    expect(await raw('POST', `/api/backups/${id}/restore`, JSON.stringify({ target_server_id: 1, overwrite: true }))).toEqual([400, invalid(field)]);
    expect(writes()).toBe(before);
  });

  it.each([
    ['DELETE', `/api/backups/vzdump-qemu-${'1'.repeat(500)}-2020_01_01-00_00_00.vma.zst`, 400, 'INVALID_REQUEST'],
    ['POST', '/api/backups/%ZZ/restore', 400, 'INVALID_REQUEST'],
    ['DELETE', '/api/backups/local:backup/../../etc', 404, 'NOT_FOUND'],
    ['GET', '/api/no-such-route', 404, 'NOT_FOUND'],
  ])('%s %s, which the router refuses: %i in the seed\'s body', async (method, path, status, code) => {
    const [got, body] = await raw(method, path);
    expect([got, body]).toEqual([status, { error: { code, message: expect.any(String), details: expect.any(Object) } }]);
  });

  it.each([
    'secret/..%2F..%2Fx',
    'secret/%2e%2e/x',
    'secret/%2E%2E%2Fx',
    'secret/./ssh',
    'secret/../../etc',
    'secret//ssh',
    'secret%2Fssh%00',
    'secret/ssh%0A',
    `secret/${'a'.repeat(5000)}`,
    '%2Fetc%2Fpasswd',
  ])('vault path %s: 400 naming path, nothing written', async (path) => {
    const names = () => hub.db.prepare("SELECT COUNT(*) AS n FROM secrets WHERE name LIKE 'vault/%'").get();
    const before = names();
    expect(await raw('POST', `/api/vault/secrets/${path}`, '{"a":"b"}')).toEqual([400, invalid('path')]);
    expect(await raw('GET', `/api/vault/secrets/${path}`)).toEqual([400, invalid('path')]);
    expect(names()).toEqual(before);
  });

  it('vault bodies: 10 000 keys, a nested object, a number: 400 naming the key or body; nothing written', async () => {
    const names = () => hub.db.prepare("SELECT COUNT(*) AS n FROM secrets WHERE name LIKE 'vault/%'").get();
    const before = names();
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v']));
    expect(await answer(await post('/api/vault/secrets/secret/many', many))).toEqual([400, invalid('body')]);
    expect(await answer(await post('/api/vault/secrets/secret/deep', { a: { b: { c: 'd' } } }))).toEqual([400, invalid('a')]);
    expect(await answer(await post('/api/vault/secrets/secret/num', { n: 1e308 }))).toEqual([400, invalid('n')]);
    expect(await answer(await post('/api/vault/secrets/secret/proto', JSON.parse('{"__proto__":{"x":"y"}}')))).toEqual([400, expect.anything()]);
    expect(names()).toEqual(before);
  });

  it.each(['../x', 'x'.repeat(100), 'task_%00', 'task_%0Aa'])('GET /tasks/%s of no task: 404 or 400 in the seed\'s body', async (id) => {
    const [status, body] = await answer(await hub.request(`/api/tasks/${id}`));
    expect([404, 400]).toContain(status);
    expect(body.error.code).toBe(status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST');
  });

  it('a viewer trying every mutation, a user the admin-only ones: 403 in the seed\'s body, nothing changed, PVE not asked', async () => {
    const user = await hub.addUser('hostile-user', 'user');
    const viewer = await hub.addUser('hostile-viewer', 'viewer');
    const before = stored();
    const pveWrites = fake.requests.filter((r) => r.method !== 'GET').length;
    const mutations: [string, string, unknown][] = [
      ['POST', '/api/servers/create', webServer('viewer-1', '192.168.0.9')],
      ['POST', '/api/servers/bulk-create', { servers: [{ name: 'v-1', role: 'web', cpu: 1, memory: 1024, disk_size: 20 }], network_config: { ip_range: '192.168.3.10-192.168.3.11', subnet: 24, gateway: '192.168.3.1' } }],
      ['DELETE', '/api/servers/1', undefined],
      ['POST', '/api/servers/bulk-delete', { server_ids: [1] }],
      ['PUT', '/api/servers/1/status', { status: 'stopped' }],
      ['POST', '/api/backups/create', { server_id: 1 }],
      ['POST', '/api/backups/vzdump-qemu-1-2020_01_01-00_00_00.vma.zst/restore', { target_server_id: 1, overwrite: true }],
      ['DELETE', '/api/backups/vzdump-qemu-1-2020_01_01-00_00_00.vma.zst', undefined],
      ['POST', '/api/vault/secrets/secret/ssh', { public_key: 'ssh-ed25519 AAAA attacker' }],
      ['POST', '/api/monitoring/prometheus/update', undefined],
    ];
    // docs/proxmox.md: servers and backups are infra:manage (a user may), the vault system:manage (admins only).
    const adminOnly = mutations.filter(([, path]) => path.startsWith('/api/vault/'));
    for (const [who, refused] of [[viewer, mutations], [user, adminOnly]] as const) {
      for (const [method, path, body] of refused) {
        const res = await hub.request(path, { method, user: who, ...(body !== undefined && { headers: json, body: JSON.stringify(body) }) });
        expect([method, path, res.status, await res.json()]).toEqual([method, path, 403, { error: { code: 'FORBIDDEN', message: expect.any(String), details: {} } }]);
      }
    }
    expect(stored()).toEqual(before);
    expect(fake.requests.filter((r) => r.method !== 'GET').length).toBe(pveWrites);
  });
});
