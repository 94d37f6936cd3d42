import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const json = { 'content-type': 'application/json' };
const PRIVATE = '-----BEGIN OPENSSH PRIVATE KEY-----vault-test-private-9f3a';

describe('server manager: vault on the hub\'s secrets box (real hub)', () => {
  let hub: ApiHub;
  let viewer: [string, string];
  let user: [string, string];
  beforeAll(async () => {
    hub = await startApiHub();
    viewer = await hub.addUser('vera', 'viewer');
    user = await hub.addUser('ulf', 'user');
  });
  afterAll(() => hub.close());

  it('the seed\'s POST then GET secret/ssh: stored encrypted, answered to admins, audited without values, never in the logs or files', async () => {
    const body = { private_key: PRIVATE, public_key: 'ssh-rsa AAAAB3NzaC1yc2E...' };
    const res = await hub.request('/api/vault/secrets/secret/ssh', { method: 'POST', headers: json, body: JSON.stringify(body) });
    expect([res.status, await res.json()]).toEqual([200, { success: true, message: expect.any(String), path: 'secret/ssh', keys: ['private_key', 'public_key'] }]);
    expect(await hub.json('/api/vault/secrets/secret/ssh')).toEqual({ path: 'secret/ssh', data: body });
    expect(await hub.json('/api/vault/status')).toEqual({ status: 'running', backend: 'secrets_box', sealed: false, secrets: 1 });
    const audit = hub.db.prepare("SELECT action, resource_id, details FROM audit_log WHERE resource = 'vault_secret' ORDER BY id").all() as { action: string; resource_id: string; details: string }[];
    expect(audit.map((a) => [a.action, a.resource_id])).toEqual([
      ['write', 'secret/ssh'],
      ['read', 'secret/ssh'],
    ]);
    expect(audit.map((a) => a.details).join('')).not.toContain('vault-test-private');
    expect(hub.logs.text()).not.toContain('vault-test-private');
    for (const f of readdirSync(hub.dataDir, { recursive: true }) as string[]) {
      const text = readFileSync(join(hub.dataDir, f), { encoding: 'latin1' }).toString();
      expect(text, f).not.toContain('vault-test-private');
    }
  });

  it('values only for admins: a user and a viewer get 403; bad paths and bodies 400 naming the field; unknown path 404', async () => {
    for (const who of [user, viewer]) expect((await hub.request('/api/vault/secrets/secret/ssh', { user: who })).status).toBe(403);
    expect((await hub.request('/api/vault/secrets/secret/ssh', { method: 'POST', user, headers: json, body: '{"a":"b"}' })).status).toBe(403);
    const bad = await hub.request('/api/vault/secrets/secret/..%2F..%2Fx', { method: 'POST', headers: json, body: '{"a":"b"}' });
    expect([bad.status, (await bad.json()).error.details.field]).toEqual([400, 'path']);
    const nested = await hub.request('/api/vault/secrets/secret/x', { method: 'POST', headers: json, body: '{"a":{"deep":1}}' });
    expect([nested.status, (await nested.json()).error.details.field]).toEqual([400, 'a']);
    const missing = await hub.request('/api/vault/secrets/secret/none');
    expect([missing.status, (await missing.json()).error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('system/status: the hub\'s parts, unconfigured integrations as not_configured, this machine\'s resources in %', async () => {
    const status = await hub.json('/api/system/status');
    expect(status).toEqual({
      system: { status: 'healthy', uptime: expect.stringMatching(/^\d+ days, \d+ hours, \d+ minutes$/), version: expect.stringMatching(/^\d+\.\d+\.\d+/), last_updated: expect.any(String) },
      services: { api: 'running', broker: 'running', store: 'running', proxmox: 'not_configured', prometheus: 'not_configured', grafana: 'not_configured', vault: 'running' },
      resources: { cpu_usage: expect.any(Number), memory_usage: expect.any(Number), disk_usage: expect.any(Number) },
    });
    for (const v of Object.values(status.resources) as number[]) expect(v >= 0 && v <= 100).toBe(true);
    expect(status.resources.memory_usage).toBeGreaterThan(0);
    expect((await hub.request('/api/system/status', { user: null })).status).toBe(401);
  });
});
