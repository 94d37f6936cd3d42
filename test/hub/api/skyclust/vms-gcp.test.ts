import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmStatusEvent } from '../../../../hub/bus.js';
import type { FakeGce } from '../../../fakes/gcp/compute.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { DEBIAN, GCP_PROJECT, serviceAccount, startFakeGce } from '../../integrations/clouds/gce.js';

const ZONE = 'us-central1-a';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const PRICE = 0.4; // e2-small per hour in clouds.gcp.prices

/** Every bus event of the VMs since the hub started; waits for one that matches. */
class VmEvents {
  readonly seen: VmStatusEvent[] = [];
  private waiters: (() => void)[] = [];
  constructor(h: ApiHub) {
    h.hub.bus.on('vm-status-changed', (e) => {
      this.seen.push(e);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  /** The nth event (default the first) of this VM with this status, once it came. */
  async waitFor(vmId: string, status: VmStatusEvent['status'], nth = 1): Promise<VmStatusEvent> {
    for (;;) {
      const found = this.seen.filter((e) => e.vmId === vmId && e.status === status)[nth - 1];
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
  of(vmId: string): string[] {
    return this.seen.filter((e) => e.vmId === vmId).map((e) => e.status);
  }
}

/** GCP credentials, VMs and estimated cost through the real hub and the real @google-cloud/compute SDK against the fake Compute Engine. */
describe('skyclust on gcp', () => {
  const sa = serviceAccount();
  // A line of the private key's base64: it must appear in no answer, log or database file.
  const keyLine = sa.keyFile.private_key.split('\n')[3]!;
  let fake: FakeGce;
  let h: ApiHub;
  let events: VmEvents;
  let ann: [string, string];
  let wsA: string;
  const send = (method: string, path: string, body: unknown, user: [string, string] = ann) => h.request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user });
  const createVm = (body: Record<string, unknown>) => send('POST', '/api/v1/vms', { name: 'web-1', provider: 'gcp', instance_type: 'e2-small', region: ZONE, workspace_id: wsA, image_id: DEBIAN, ...body });
  const get = async (path: string) => {
    const res = await h.request(path, { user: ann });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    fake = await startFakeGce([sa]);
    h = await startApiHub({ clouds: { gcp: { endpoint: fake.endpoint, tokenUrl: fake.tokenUrl, prices: { 'e2-small': PRICE } }, reconcileInterval: '100ms' } });
    events = new VmEvents(h);
    ann = await h.addUser('ann', 'user');
    wsA = (await (await send('POST', '/api/v1/workspaces', { name: 'a' })).json()).data.id;
    // A hub start on a loaded machine can take longer than the default hook limit.
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await fake?.stop();
  });

  it('refuses a key the token endpoint does not accept with its answer, and stores nothing', async () => {
    const forged = { ...sa.keyFile, private_key: serviceAccount().keyFile.private_key };
    const res = await send('POST', '/api/v1/credentials', { name: 'forged', provider: 'gcp', data: { service_account_json: JSON.stringify(forged), project: GCP_PROJECT } });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'data', provider: 'gcp', provider_code: 'invalid_grant', provider_message: 'Invalid JWT Signature.' } });
    expect(body.error).toContain('gcp refused: invalid_grant');
    const elsewhere = await send('POST', '/api/v1/credentials', { name: 'elsewhere', provider: 'gcp', data: { service_account_json: sa.keyFile, project: 'not-my-project' } });
    expect(await elsewhere.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { provider: 'gcp', provider_code: 'forbidden' } });
    expect(h.db.prepare("SELECT count(*) AS n FROM cloud_credentials WHERE provider = 'gcp'").get()).toEqual({ n: 0 });
  });

  it('stores a key the token endpoint accepts, and its key is in no answer, log or database text', async () => {
    const res = await send('POST', '/api/v1/credentials', { name: 'gcp-a', provider: 'gcp', data: { service_account_json: sa.keyFile, project: GCP_PROJECT }, workspace_id: wsA });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(fake.grants).toContain(sa.email);
    expect(JSON.stringify(body)).not.toContain(keyLine);
    expect(JSON.stringify(await get(`/api/v1/credentials/${body.data.id}`))).not.toContain(keyLine);
    h.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of ['hub.db', 'hub.db-wal']) {
      let bytes = '';
      try {
        bytes = readFileSync(join(h.dataDir, f)).toString('latin1');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      expect(bytes).not.toContain(keyLine);
      expect(bytes).not.toContain(sa.email);
    }
    expect(JSON.stringify(h.db.prepare('SELECT * FROM audit_log WHERE resource_id = ?').all(body.data.id))).toContain('***');
    expect(h.logs.text()).not.toContain(keyLine);
  });

  it('creates a VM that answers pending, becomes running through the reconciler, is deleted and followed until gone', async () => {
    const res = await createVm({ name: 'Web server #1', key_pair: 'ann:ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKcloudTestKey ann' });
    expect(res.status).toBe(202);
    const created = (await res.json()).data;
    expect(created).toMatchObject({ name: 'Web server #1', provider: 'gcp', status: 'pending', region: ZONE, instance_type: 'e2-small', image_id: DEBIAN, instance_id: `kcloud-${created.id}` });
    await events.waitFor(created.id, 'running');
    const instance = fake.instances.get(`${GCP_PROJECT}/${ZONE}/kcloud-${created.id}`)!;
    expect(instance).toMatchObject({ description: 'Web server #1', machineType: 'e2-small', status: 'RUNNING' });
    const running = (await get(`/api/v1/vms/${created.id}`)).body.data;
    expect(running).toMatchObject({ status: 'running', zone: ZONE, public_ip: instance.natIP, private_ip: instance.networkIP });

    const del = await h.request(`/api/v1/vms/${created.id}`, { method: 'DELETE', user: ann });
    expect(del.status).toBe(200);
    await events.waitFor(created.id, 'terminated');
    expect(events.of(created.id)).toEqual(['pending', 'running', 'terminating', 'terminated']);
    expect((await get(`/api/v1/vms/${created.id}`)).status).toBe(404);
    expect(fake.instances.has(`${GCP_PROJECT}/${ZONE}/kcloud-${created.id}`)).toBe(false);
    expect(h.logs.text()).not.toContain(keyLine);
  });

  it("follows a delete operation that fails back to the instance's status with the operation's error; a second delete goes through", async () => {
    const vm = (await (await createVm({ name: 'sticky' })).json()).data;
    await events.waitFor(vm.id, 'running');
    fake.failingDeletes.add(vm.instance_id);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ann })).status).toBe(200);
    // running, terminating, then running again once the delete operation ends in its error.
    await events.waitFor(vm.id, 'running', 2);
    expect(events.of(vm.id)).toEqual(['pending', 'running', 'terminating', 'running']);
    const back = (await get(`/api/v1/vms/${vm.id}`)).body.data;
    expect(back).toMatchObject({ status: 'running', status_reason: expect.stringMatching(/^delete failed: INTERNAL_ERROR: Internal error\. Please try again/) });
    expect(fake.instances.get(`${GCP_PROJECT}/${ZONE}/${vm.instance_id}`)?.status).toBe('RUNNING');

    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ann })).status).toBe(200);
    await events.waitFor(vm.id, 'terminated');
    expect(events.of(vm.id)).toEqual(['pending', 'running', 'terminating', 'running', 'terminating', 'terminated']);
    expect(fake.instances.has(`${GCP_PROJECT}/${ZONE}/${vm.instance_id}`)).toBe(false);
  });

  it('follows an insert operation that fails (quota) from pending to failed with the operation\'s error', async () => {
    const res = await createVm({ name: 'big', instance_type: 'n2-standard-64' });
    expect(res.status).toBe(202);
    const vm = (await res.json()).data;
    expect(vm.status).toBe('pending');
    await events.waitFor(vm.id, 'failed');
    expect(events.of(vm.id)).toEqual(['pending', 'failed']);
    const failed = (await get(`/api/v1/vms/${vm.id}`)).body.data;
    expect(failed).toMatchObject({ status: 'failed', status_reason: "QUOTA_EXCEEDED: Quota 'CPUS' exceeded.  Limit: 8.0 in region us-central1." });
    // A failed VM is deleted at once: GCE never made its instance.
    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ann })).status).toBe(200);
    await events.waitFor(vm.id, 'terminated');
  });

  it('answers an unknown image with GCE\'s reason and message and keeps no record; makes one VM for a retried create', async () => {
    const bad = await createVm({ name: 'bad-image', image_id: 'projects/debian-cloud/global/images/nope' });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'image_id', provider: 'gcp', provider_code: 'invalid' } });
    expect(body.data.provider_message).toContain('The referenced image resource cannot be found.');
    expect(h.db.prepare("SELECT count(*) AS n FROM cloud_vms WHERE name = 'bad-image'").get()).toEqual({ n: 0 });

    const first = await createVm({ name: 'idem', client_request_id: 'req-gcp-1' });
    const again = await createVm({ name: 'idem', client_request_id: 'req-gcp-1' });
    expect([first.status, again.status]).toEqual([202, 200]);
    const a = (await first.json()).data;
    expect((await again.json()).data.id).toBe(a.id);
    expect([...fake.instances.values()].filter((i) => i.description === 'idem')).toHaveLength(1);
  });

  it('estimates GCP cost from the VMs\' hours x the configured list price, labelled estimated', async () => {
    // The hub has no clock to advance: a VM made here is given a past: ran 2.5 h yesterday, stopped since.
    const vm = (await (await createVm({ name: 'priced' })).json()).data;
    await events.waitFor(vm.id, 'running');
    const today = Math.floor(Date.now() / DAY) * DAY;
    h.db.prepare("UPDATE cloud_vms SET status = 'stopped', created_at = ?, updated_at = ? WHERE id = ?").run(today - DAY + 10 * HOUR, today - DAY + 12.5 * HOUR, vm.id);
    // Every other VM of this workspace is deleted or failed: the estimate is this VM's alone.
    for (const other of (await get(`/api/v1/vms?workspace_id=${wsA}&status=running&status=pending`)).body.data.vms as { id: string }[]) {
      if (other.id === vm.id) continue;
      await h.request(`/api/v1/vms/${other.id}`, { method: 'DELETE', user: ann });
      await events.waitFor(other.id, 'terminated');
    }
    const all = await get(`/api/v1/cost-analysis?period=7d&workspace_id=${wsA}`);
    expect(all.status).toBe(200);
    expect(all.body.data).toMatchObject({ total_cost: 1, currency: 'USD', estimated: true, breakdown: [{ provider: 'gcp', cost: 1, percentage: 100 }] });
    const yesterday = new Date(today - DAY).toISOString().slice(0, 10);
    expect(all.body.data.trend.find((t: { date: string }) => t.date === yesterday)).toEqual({ date: yesterday, cost: 1 });
    const services = await get('/api/v1/cost-analysis/breakdown?provider=gcp&period=7d');
    expect(services.body.data).toMatchObject({ provider: 'gcp', total_cost: 1, services: [{ service: 'Compute Engine (e2-small)', cost: 1, percentage: 100 }] });
  });
});
