import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultKv2 } from '../../../hub/pve-manager/vault-kv2.js';
import { FakeVault } from '../../fakes/vault/server.js';

const SCRIPT = fileURLToPath(new URL('../../fakes/vault/hvac-fidelity.py', import.meta.url));
const TOKEN = 'hvs.fidelity-root-token-5d1e';

/**
 * The fake Vault is only worth its tests if a client nobody here wrote
 * reads it the way the hub's client does: Debian's python3-hvac (0.11.2)
 * reads what the hub wrote, writes what the hub reads, and sees the same
 * health, refusals and sealed answers.
 */
describe.each([null, 'team-a'])('fake Vault (namespace %s) read by python3-hvac and by the hub\'s client', (namespace) => {
  let fake: FakeVault;
  let tokenFile: string;
  beforeAll(async () => {
    fake = await FakeVault.start({ token: TOKEN, mounts: ['kv'], ...(namespace && { namespace }) });
    tokenFile = join(mkdtempSync(join(tmpdir(), 'kcloud-vault-')), 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  });
  afterAll(() => fake.close());

  const hubClient = (file = tokenFile) => new VaultKv2({ url: fake.url, tokenFile: file, mount: 'kv', namespace: namespace ?? '', timeoutMs: 10_000 });
  const hvac = async (phase: 'open' | 'sealed') => {
    const py = await execa('/usr/bin/python3', [SCRIPT, phase], { env: { VAULT_ADDR: fake.url, VAULT_TOKEN: TOKEN, VAULT_MOUNT: 'kv', VAULT_NAMESPACE: namespace ?? '' }, timeout: 60_000 });
    return JSON.parse(py.stdout);
  };

  it('health, KV v2 writes and reads both ways with versions, cas, a bad token and a missing path answer both clients alike', async () => {
    const hub = hubClient();
    expect(await hub.write('kv/hub/written', { user: 'hub', password: 'from-the-hub' })).toEqual({ keys: ['user', 'password'], version: 1 });
    const py = await hvac('open');

    expect(py.health).toEqual({ status: 200, body: expect.objectContaining({ initialized: true, sealed: false, standby: false, version: '1.15.6' }) });
    expect(await hub.status()).toEqual({ status: 'running', backend: 'vault', sealed: false, initialized: true, version: py.health.body.version });

    expect(py.hub_written).toEqual({ data: { user: 'hub', password: 'from-the-hub' }, version: 1 });
    expect(py.written_versions).toEqual([1, 2]);
    expect(py.first_version).toEqual({ user: 'py', password: 'first' });
    expect(await hub.read('kv/py/written')).toEqual({ data: { user: 'py', password: 'second' }, version: 2 });
    expect(fake.versions('kv', 'py/written')).toEqual([
      { user: 'py', password: 'first' },
      { user: 'py', password: 'second' },
    ]);

    expect(py.cas_mismatch).toEqual({ exception: 'InvalidRequest', errors: ['check-and-set parameter did not match the current version'] });
    expect(py.bad_token).toEqual({ exception: 'Forbidden', errors: ['permission denied'] });
    expect(py.missing).toEqual({ exception: 'InvalidPath', errors: [] });

    const wrong = join(mkdtempSync(join(tmpdir(), 'kcloud-vault-')), 'token');
    writeFileSync(wrong, 'not-the-token\n', { mode: 0o600 });
    await expect(hubClient(wrong).read('kv/hub/written')).rejects.toMatchObject({ statusCode: 403, code: 'FORBIDDEN', details: { reason: 'permission denied' } });
    await expect(hub.read('kv/no/such/secret')).rejects.toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });

    // Every KV call both clients made carried the namespace when there is one (the hub asks sys/health in none).
    expect(new Set(fake.requests.filter((r) => r.path !== '/v1/sys/health').map((r) => r.namespace))).toEqual(new Set([namespace]));
  });

  it('sealed: health 503 with sealed true for both; a read is refused with 503 Vault is sealed', async () => {
    fake.sealed = true;
    try {
      const py = await hvac('sealed');
      expect(py.health).toEqual({ status: 503, body: expect.objectContaining({ initialized: true, sealed: true }) });
      expect(py.read).toEqual({ exception: 'VaultDown', errors: ['Vault is sealed'] });
      const hub = hubClient();
      expect(await hub.status()).toEqual({ status: 'sealed', backend: 'vault', sealed: true, initialized: true, version: '1.15.6' });
      await expect(hub.read('kv/hub/written')).rejects.toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/sealed/) });
    } finally {
      fake.sealed = false;
    }
  });
});
