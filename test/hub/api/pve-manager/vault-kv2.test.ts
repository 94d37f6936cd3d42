import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { VaultKv2 } from '../../../../hub/pve-manager/vault-kv2.js';
import { FakePve } from '../../../fakes/proxmox/server.js';
import { FakeVault } from '../../../fakes/vault/server.js';
import { startApiHub, type ApiHub, type RequestOptions } from '../../../helpers/api.js';
import { runHubCli, writeHubConfig } from '../../../helpers/hub.js';
import { freePort } from '../../../helpers/mosquitto.js';
import { json, managerConfig, storeSshKey, waitTask, webServer } from './pve-helpers.js';

const TOKEN = 'hvs.kv2-test-token-7c4b9e';
const PRIVATE = '-----BEGIN OPENSSH PRIVATE KEY-----kv2-test-private-31d8';

function tokenFile(token = TOKEN): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kcloud-vault-')), 'token');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return file;
}

const vaultConfig = (fake: FakeVault, file: string, extra: Record<string, unknown> = {}) => ({ pveManager: { vault: { url: fake.url, tokenFile: file, ...extra } } });

describe('server manager: /api/vault on a Vault KV v2 mount (real hub, fake Vault)', () => {
  let fake: FakeVault;
  let hub: ApiHub;
  let file: string;
  let viewer: [string, string];
  let user: [string, string];
  /** Every answer body the hub gave in these tests: none may hold the token. */
  const answers: string[] = [];
  const call = async (path: string, opts: RequestOptions = {}) => {
    const res = await hub.request(path, opts);
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: JSON.parse(text) };
  };
  const post = (path: string, body: unknown, opts: RequestOptions = {}) => call(path, { method: 'POST', headers: json, body: JSON.stringify(body), ...opts });

  beforeAll(async () => {
    fake = await FakeVault.start({ token: TOKEN, namespace: 'kcloud' });
    file = tokenFile();
    hub = await startApiHub(vaultConfig(fake, file, { namespace: 'kcloud' }));
    viewer = await hub.addUser('vera', 'viewer');
    user = await hub.addUser('ulf', 'user');
  });
  afterAll(async () => {
    await hub.close();
    await fake.close();
  });

  it('status comes from Vault\'s sys/health (neither token nor namespace sent there)', async () => {
    expect(await call('/api/vault/status')).toEqual({ status: 200, body: { status: 'running', backend: 'vault', sealed: false, initialized: true, version: '1.15.6' } });
    fake.standby = true;
    expect((await call('/api/vault/status')).body).toMatchObject({ status: 'standby', sealed: false });
    fake.standby = false;
    expect(fake.requests.filter((r) => r.path === '/v1/sys/health').map((r) => [r.token, r.namespace])).toEqual([
      ['none', null],
      ['none', null],
    ]);
  });

  it('writes then reads back a secret with a slash path as KV v2 versions; audited by key names; nothing kept in the secrets box', async () => {
    const body = { private_key: PRIVATE, public_key: 'ssh-rsa AAAAB3NzaC1yc2E...' };
    expect(await post('/api/vault/secrets/secret/team/db/ssh', body)).toEqual({ status: 200, body: { success: true, message: expect.any(String), path: 'secret/team/db/ssh', keys: ['private_key', 'public_key'], version: 1 } });
    expect(await call('/api/vault/secrets/secret/team/db/ssh')).toEqual({ status: 200, body: { path: 'secret/team/db/ssh', data: body, version: 1 } });
    expect((await post('/api/vault/secrets/secret/team/db/ssh', { public_key: 'ssh-ed25519 AAAA second' })).body.version).toBe(2);
    expect(await call('/api/vault/secrets/secret/team/db/ssh')).toEqual({ status: 200, body: { path: 'secret/team/db/ssh', data: { public_key: 'ssh-ed25519 AAAA second' }, version: 2 } });
    // What Vault got: KV v2 data writes on mount `secret`, key `team/db/ssh`, with the token and the namespace.
    expect(fake.versions('secret', 'team/db/ssh')).toEqual([body, { public_key: 'ssh-ed25519 AAAA second' }]);
    const writes = fake.requests.filter((r) => r.method === 'POST');
    expect(writes.map((r) => [r.path, r.token, r.namespace, r.body])).toEqual([
      ['/v1/secret/data/team/db/ssh', 'valid', 'kcloud', { data: body }],
      ['/v1/secret/data/team/db/ssh', 'valid', 'kcloud', { data: { public_key: 'ssh-ed25519 AAAA second' } }],
    ]);

    const audit = hub.db.prepare("SELECT action, resource_id, details FROM audit_log WHERE resource = 'vault_secret' ORDER BY id").all() as { action: string; resource_id: string; details: string }[];
    expect(audit.map((a) => [a.action, a.resource_id])).toEqual([
      ['write', 'secret/team/db/ssh'],
      ['read', 'secret/team/db/ssh'],
      ['write', 'secret/team/db/ssh'],
      ['read', 'secret/team/db/ssh'],
    ]);
    expect(audit.map((a) => a.details).join('')).not.toContain('kv2-test-private');
    expect(hub.db.prepare("SELECT count(*) AS n FROM secrets WHERE name LIKE 'vault/%'").get()).toEqual({ n: 0 });
    expect(hub.logs.text()).not.toContain('kv2-test-private');
  });

  it('a secret someone wrote to Vault with other JSON types reads back as strings (their JSON text)', async () => {
    const res = await fetch(`${fake.url}/v1/secret/data/typed`, { method: 'POST', headers: { 'x-vault-token': TOKEN, 'x-vault-namespace': 'kcloud' }, body: JSON.stringify({ data: { port: 5432, tls: true, hosts: ['a', 'b'], name: 'db' } }) });
    expect(res.status).toBe(200);
    expect(await call('/api/vault/secrets/secret/typed')).toEqual({ status: 200, body: { path: 'secret/typed', data: { port: '5432', tls: 'true', hosts: '["a","b"]', name: 'db' }, version: 1 } });
  });

  it('values only for admins: a user and a viewer get 403 and Vault is not asked; bad paths, paths outside the mount and bad bodies are 400 before Vault is asked', async () => {
    const before = fake.requests.length;
    for (const who of [user, viewer]) expect((await call('/api/vault/secrets/secret/team/db/ssh', { user: who })).status).toBe(403);
    expect((await post('/api/vault/secrets/secret/x', { a: 'b' }, { user })).status).toBe(403);
    const outside = await call('/api/vault/secrets/sys/mounts');
    expect(outside).toEqual({ status: 400, body: { error: { code: 'INVALID_REQUEST', message: expect.stringContaining('secret/'), details: { field: 'path', reason: expect.any(String) } } } });
    expect((await call('/api/vault/secrets/secret')).body.error.details.field).toBe('path');
    expect((await post('/api/vault/secrets/secret/x', { a: { deep: 1 } })).body.error.details.field).toBe('a');
    expect((await post('/api/vault/secrets/secret/..%2F..%2Fsys', { a: 'b' })).body.error.details.field).toBe('path');
    expect(fake.requests.length).toBe(before);
    expect(await call('/api/vault/secrets/secret/none/here')).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no secret at secret/none/here', details: {} } } });
  });

  it('a token Vault refuses: the seed\'s error body, 403 permission denied; the token file is read again at each call', async () => {
    writeFileSync(file, 'hvs.revoked-token\n');
    try {
      const refused = await call('/api/vault/secrets/secret/team/db/ssh');
      expect(refused).toEqual({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringContaining('permission denied'), details: { reason: 'permission denied' } } } });
      expect((await post('/api/vault/secrets/secret/team/db/ssh', { a: 'b' })).status).toBe(403);
      expect(fake.versions('secret', 'team/db/ssh')).toHaveLength(2);
    } finally {
      writeFileSync(file, `${TOKEN}\n`);
    }
    expect((await call('/api/vault/secrets/secret/team/db/ssh')).status).toBe(200);
  });

  it('sealed: status says so, reads and writes are 503 with a clear message and change nothing', async () => {
    fake.sealed = true;
    try {
      expect(await call('/api/vault/status')).toEqual({ status: 200, body: { status: 'sealed', backend: 'vault', sealed: true, initialized: true, version: '1.15.6' } });
      const read = await call('/api/vault/secrets/secret/team/db/ssh');
      expect(read).toEqual({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'Vault is sealed: unseal it to read or write secrets', details: { reason: 'Vault is sealed' } } } });
      expect((await post('/api/vault/secrets/secret/team/db/ssh', { a: 'b' })).status).toBe(503);
      expect(fake.versions('secret', 'team/db/ssh')).toHaveLength(2);
      // system/status: a sealed Vault is a stopped service, and the hub degraded.
      const system = await hub.json('/api/system/status');
      expect([system.services.vault, system.system.status]).toEqual(['stopped', 'degraded']);
    } finally {
      fake.sealed = false;
    }
  });

  it('the token is in no answer, no hub log line and no file of the data dir', () => {
    expect(answers.length).toBeGreaterThan(10);
    for (const a of answers) expect(a).not.toContain(TOKEN);
    // The log does hold what went wrong with Vault, only not the token.
    expect(hub.logs.text()).toContain("Vault refused the hub's token");
    expect(hub.logs.text()).not.toContain(TOKEN);
    for (const f of readdirSync(hub.dataDir, { recursive: true }) as string[]) {
      expect(readFileSync(join(hub.dataDir, f), { encoding: 'latin1' }).toString(), f).not.toContain(TOKEN);
    }
  });

  it('unreachable (the last test: it stops the fake): status says so, reads are 503 naming the address', async () => {
    await fake.close();
    const status = await call('/api/vault/status');
    expect(status).toEqual({ status: 200, body: { status: 'unreachable', backend: 'vault', sealed: false, message: expect.stringContaining(`Vault at ${fake.url} is unreachable`) } });
    const read = await call('/api/vault/secrets/secret/team/db/ssh');
    expect(read).toEqual({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', message: `Vault at ${fake.url} is unreachable (ECONNREFUSED)`, details: {} } } });
  });
});

describe('server manager: the servers\' SSH key (vault path secret/ssh) read from Vault', () => {
  let pve: FakePve;
  let vault: FakeVault;
  let hub: ApiHub;
  const VAULT_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIvault kcloud@vault';

  beforeAll(async () => {
    pve = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 1 });
    vault = await FakeVault.start({ token: TOKEN });
    hub = await startApiHub({ ...managerConfig, pveManager: { ...managerConfig.pveManager, ...vaultConfig(vault, tokenFile()).pveManager } });
    const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: json, body: JSON.stringify({ name: 'lab', api_endpoint: pve.url, username: 'root@pam', password: 'pve-root-password' }) });
    expect(res.status).toBe(201);
    // A different key in the secrets box: with Vault configured, the box is not where the key is read.
    storeSshKey(hub, 'ssh-rsa AAAA-from-the-secrets-box');
  });
  afterAll(async () => {
    await hub.close();
    await vault.close();
    await pve.close();
  });

  const createServer = async (name: string, ip: string) => {
    const res = await hub.request('/api/servers/create', { method: 'POST', headers: json, body: JSON.stringify(webServer(name, ip)) });
    expect(res.status).toBe(200);
    return (await waitTask(hub, (await res.json()).task_id)).at(-1)!;
  };

  it('create puts Vault\'s secret/ssh public_key into cloud-init sshkeys', async () => {
    expect((await hub.request('/api/vault/secrets/secret/ssh', { method: 'POST', headers: json, body: JSON.stringify({ public_key: VAULT_KEY, private_key: PRIVATE }) })).status).toBe(200);
    const task = await createServer('web-vault-01', '192.168.0.41');
    expect(task).toMatchObject({ status: 'completed', error: null });
    const vmid = Number(pve.calls('POST', /\/qemu\/9000\/clone$/).at(-1)!.params.newid);
    expect(decodeURIComponent(String(pve.vms.get(vmid)!.config.sshkeys))).toBe(VAULT_KEY);
    expect(vault.requests.filter((r) => r.method === 'GET' && r.path === '/v1/secret/data/ssh').map((r) => r.token)).toEqual(['valid']);
  });

  it('a sealed Vault fails the create at its configure step with Vault\'s reason (no server without its key)', async () => {
    vault.sealed = true;
    try {
      const task = await createServer('web-vault-02', '192.168.0.42');
      expect(task).toMatchObject({ status: 'failed', step: 'configure', error: expect.stringContaining('Vault is sealed') });
    } finally {
      vault.sealed = false;
    }
  });
});

describe('server manager: Vault configuration', () => {
  // Checked when the API is built, so a hub with such a config does not start (hub/runtime.ts passes the error on).
  it('a url without a readable token file is refused naming the key, never the token', () => {
    const opts = { url: 'http://127.0.0.1:1', mount: 'secret', namespace: '', timeoutMs: 1000 };
    expect(() => new VaultKv2({ ...opts, tokenFile: '' })).toThrow('config key "pveManager.vault.tokenFile": Vault needs a token file besides pveManager.vault.url');
    expect(() => new VaultKv2({ ...opts, tokenFile: '/nonexistent/vault-token' })).toThrow(/pveManager\.vault\.tokenFile.*ENOENT/);
    const bad = tokenFile('hvs.with a space\u0000');
    expect(() => new VaultKv2({ ...opts, tokenFile: bad })).toThrow(/pveManager\.vault\.tokenFile.*holds no token/);
    expect(() => new VaultKv2({ ...opts, tokenFile: bad })).not.toThrow(/with a space/);
  });

  it('kcloud-hub run with only KCLOUD_HUB_PVE_MANAGER_VAULT_URL (env override) exits naming the missing token file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-hub-'));
    const config = writeHubConfig(stringifyYaml({ dataDir: join(dir, 'data'), broker: { host: '127.0.0.1', port: await freePort() }, http: { host: '127.0.0.1', port: 0 } }), dir);
    const run = await runHubCli(['run', '--config', config], { KCLOUD_HUB_PVE_MANAGER_VAULT_URL: 'http://127.0.0.1:1' });
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('config key \\"pveManager.vault.tokenFile\\": Vault needs a token file');
    // A bound for a whole process start from source (tsx) on a loaded machine, not a timing check.
  }, 180_000);
});
