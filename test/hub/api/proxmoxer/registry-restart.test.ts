import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHubDb } from '../../../../hub/core/db.js';
import type { ClusterHealthEvent } from '../../../../hub/bus.js';
import { FakePve } from '../../../fakes/proxmox/server.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

describe('a hub stopping while a Proxmox health check hangs', () => {
  it('cuts the check short instead of waiting for its timeout, and records nothing from it', async () => {
    const fake = await FakePve.start({ loginDelayMs: 0, nodes: [{ name: 'pve1', online: true }] });
    // A timeout far past the test's own: only cutting the check short lets close() finish in time.
    const hub = await startApiHub({ proxmox: { healthInterval: '50ms', timeout: '10m' } });
    try {
      const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'hangs', api_endpoint: fake.url, username: 'root@pam', password: 'pve-root-password' }) });
      expect(res.status).toBe(201);
      const changes: string[] = [];
      hub.hub.bus.on('cluster-health', (e) => changes.push(e.status));
      const hanging = fake.nextStalledRequest();
      fake.stalled = true;
      await hanging;
      await hub.close();
      expect(changes).toEqual([]);
      const db = openHubDb(join(hub.dataDir, 'hub.db'));
      expect(db.prepare("SELECT status FROM proxmox_clusters WHERE name = 'hangs'").get()).toEqual({ status: 'healthy' });
      db.close();
    } finally {
      await fake.close();
    }
  });
});

describe('a registered cluster across a hub restart', () => {
  let fake: FakePve;
  let hub: ApiHub | undefined;
  afterAll(async () => {
    await hub?.close();
    await fake?.close();
  });

  it('is still listed, and the health loop resumes with the stored (encrypted) token and pinned certificate', async () => {
    fake = await FakePve.start({ loginDelayMs: 0, nodes: [{ name: 'pve1', online: true }, { name: 'pve2', online: true }] });
    const first = await startApiHub({ proxmox: { healthInterval: '1h' } });
    const res = await first.request('/api/v1/clusters', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'kept', api_endpoint: fake.url, username: 'root@pam', password: 'pve-root-password' }) });
    const created = (await res.json()) as { id: string; created_at: string; status: string };
    expect(created.status).toBe('healthy');
    await first.close();

    hub = await startApiHub({ dataDir: first.dataDir, proxmox: { healthInterval: '50ms' } });
    expect(await hub.json(`/api/v1/clusters/${created.id}`)).toMatchObject({ id: created.id, name: 'kept', created_at: created.created_at, auth_method: 'api_token' });
    const logins = fake.calls('POST', '/access/ticket').length;
    const degraded = new Promise<ClusterHealthEvent>((resolve) => hub!.hub.bus.on('cluster-health', (e) => e.status === 'degraded' && resolve(e)));
    fake.setNodeOnline('pve2', false);
    expect(await degraded).toMatchObject({ id: created.id, previous: 'healthy', reason: 'node offline: pve2' });
    // The checks ran with the token the first hub stored: no login with a password since.
    expect(fake.calls('POST', '/access/ticket')).toHaveLength(logins);
    expect(fake.calls('GET', '/cluster/status').at(-1)?.auth).toBe('token');
  });
});
