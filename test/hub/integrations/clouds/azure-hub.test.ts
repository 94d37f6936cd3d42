import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmStatusEvent } from '../../../../hub/bus.js';
import { subnetId } from '../../../../hub/integrations/clouds/azure/virtual-machines.js';
import { FakeAzure } from '../../../fakes/azure/arm.js';
import { selfSignedCertificate } from '../../../fakes/proxmox/certificate.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const TENANT = randomUUID();
const SUB = randomUUID();
const CLIENT_ID = randomUUID();
const SECRET = 'Hub~azure.s3cret-' + randomUUID();
/** A principal with only the Reader role on the subscription: it may list and read VMs, not create them. */
const READER_ID = randomUUID();
const READER_SECRET = 'Reader~azure.s3cret-' + randomUUID();
const OVER_QUOTA = 'Standard_ND96amsr_A100_v4';
const RG = 'kcloud-test';
const IMAGE = 'Canonical:ubuntu-24_04-lts:server:latest';

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
  async waitFor(vmId: string, status: VmStatusEvent['status']): Promise<VmStatusEvent> {
    for (;;) {
      const found = this.seen.find((e) => e.vmId === vmId && e.status === status);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
  of(vmId: string): string[] {
    return this.seen.filter((e) => e.vmId === vmId).map((e) => e.status);
  }
}

/** Azure credentials and VMs through the real hub (routes, stores, reconciler) and the real Azure SDKs against the fake Entra ID + Resource Manager. */
describe('skyclust on azure', () => {
  let dir: string;
  let fake: FakeAzure;
  let h: ApiHub;
  let events: VmEvents;
  let ann: [string, string];
  let wsA: string;
  const data = (over: Record<string, string> = {}) => ({ tenant_id: TENANT, client_id: CLIENT_ID, client_secret: SECRET, subscription_id: SUB, ...over });
  const send = (method: string, path: string, body: unknown) => h.request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user: ann });
  const createVm = (body: Record<string, unknown>) =>
    send('POST', '/api/v1/vms', { name: 'gpu-1', provider: 'azure', instance_type: 'Standard_NC24ads_A100_v4', region: 'eastus', workspace_id: wsA, image_id: IMAGE, key_pair: 'ann-key', ...body });
  const get = async (path: string) => {
    const res = await h.request(path, { user: ann });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kcloud-azure-hub-'));
    const cert = await selfSignedCertificate('azure-fake');
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, cert.cert, { mode: 0o600 });
    fake = await new FakeAzure({
      cert: cert.cert,
      key: cert.key,
      tenantId: TENANT,
      principals: [
        { clientId: CLIENT_ID, clientSecret: SECRET, subscriptions: [SUB] },
        { clientId: READER_ID, clientSecret: READER_SECRET, subscriptions: [SUB], role: 'Reader' },
      ],
      resourceGroups: [RG],
      subnets: [subnetId(SUB, RG, 'eastus')],
      images: ['Canonical:ubuntu-24_04-lts:server'],
      sshPublicKeys: { [`${RG}/ann-key`]: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKcloudAzureHubKey ann@example' },
      unavailableSizes: ['Standard_ND96asr_v4'],
      overQuotaSizes: [OVER_QUOTA],
    }).start();
    h = await startApiHub({ clouds: { azure: { endpoint: fake.endpoint, authorityHost: fake.endpoint, resourceGroup: RG, caFile }, reconcileInterval: '100ms' } });
    events = new VmEvents(h);
    ann = await h.addUser('ann', 'user');
    wsA = (await (await send('POST', '/api/v1/workspaces', { name: 'a' })).json()).data.id;
    // A hub start on a loaded machine can take longer than the default hook limit.
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await fake?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a wrong client secret with Entra ID's answer, and stores nothing", async () => {
    const res = await send('POST', '/api/v1/credentials', { name: 'wrong', provider: 'azure', data: data({ client_secret: 'not-it' }) });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'data', provider: 'azure', provider_code: 'invalid_client' } });
    expect(body.data.provider_message).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(h.db.prepare("SELECT count(*) AS n FROM cloud_credentials WHERE provider = 'azure'").get()).toEqual({ n: 0 });
  });

  it('stores a service principal Entra ID accepts; its secret is in no answer, log or database text', async () => {
    const res = await send('POST', '/api/v1/credentials', { name: 'azure-a', provider: 'azure', data: data(), workspace_id: wsA });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(fake.grants).toContain(CLIENT_ID);
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(JSON.stringify(await get(`/api/v1/credentials/${body.data.id}`))).not.toContain(SECRET);
    h.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of ['hub.db', 'hub.db-wal']) {
      let bytes = '';
      try {
        bytes = readFileSync(join(h.dataDir, f)).toString('latin1');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      expect(bytes).not.toContain(SECRET);
    }
    expect(h.logs.text()).not.toContain(SECRET);
  });

  it('creates a VM that answers pending, runs through the reconciler with its addresses, is deleted and followed until gone', async () => {
    const res = await createVm({ name: 'Trainer #1' });
    expect(res.status).toBe(202);
    const created = (await res.json()).data;
    const instanceId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/kcloud-${created.id}`;
    expect(created).toMatchObject({ name: 'Trainer #1', provider: 'azure', status: 'pending', region: 'eastus', instance_id: instanceId });
    await events.waitFor(created.id, 'running');
    const vm = fake.vms.get(instanceId.toLowerCase())!;
    expect(vm.body.tags).toMatchObject({ Name: 'Trainer #1', 'kcloud-vm': created.id });
    expect((await get(`/api/v1/vms/${created.id}`)).body.data).toMatchObject({ status: 'running', public_ip: vm.publicIp, private_ip: vm.privateIp });

    expect((await h.request(`/api/v1/vms/${created.id}`, { method: 'DELETE', user: ann })).status).toBe(200);
    await events.waitFor(created.id, 'terminated');
    expect(events.of(created.id)).toEqual(['pending', 'running', 'terminating', 'terminated']);
    expect((await get(`/api/v1/vms/${created.id}`)).status).toBe(404);
    expect(fake.vms.has(instanceId.toLowerCase())).toBe(false);
    expect(h.logs.text()).not.toContain(SECRET);
  });

  it("follows a deployment that fails (no capacity) from pending to failed with ARM's code and message", async () => {
    const vm = (await (await createVm({ name: 'big', instance_type: 'Standard_ND96asr_v4' })).json()).data;
    expect(vm.status).toBe('pending');
    await events.waitFor(vm.id, 'failed');
    expect((await get(`/api/v1/vms/${vm.id}`)).body.data).toMatchObject({ status: 'failed', status_reason: expect.stringMatching(/^AllocationFailed: Allocation failed\./) });
  });

  it("answers an unknown image with ARM's code and keeps no record; makes one VM for a retried create", async () => {
    const bad = await createVm({ name: 'bad-image', image_id: 'Canonical:nope:server:latest' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'image_id', provider: 'azure', provider_code: 'PlatformImageNotFound' } });
    expect(h.db.prepare("SELECT count(*) AS n FROM cloud_vms WHERE name = 'bad-image'").get()).toEqual({ n: 0 });

    const creates = fake.creates;
    const first = await createVm({ name: 'idem', client_request_id: 'req-azure-1' });
    const again = await createVm({ name: 'idem', client_request_id: 'req-azure-1' });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect((await again.json()).data.id).toBe((await first.json()).data.id);
    expect(fake.creates - creates).toBe(1);
  });

  it("refuses a size over the cores quota and a principal without write permission with ARM's code and message, keeping no record", async () => {
    const before = h.db.prepare("SELECT count(*) AS n FROM cloud_vms WHERE provider = 'azure'").get();
    const quota = await createVm({ name: 'too-many-cores', instance_type: OVER_QUOTA });
    expect(quota.status).toBe(400);
    const quotaBody = await quota.json();
    expect(quotaBody).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'image_id', provider: 'azure', provider_code: 'OperationNotAllowed' } });
    expect(quotaBody.data.provider_message).toContain('exceeding approved Total Regional Cores quota');

    // The admin's own workspace and the Reader's credential: Entra ID and a VM list accept it, a PUT of a VM does not.
    const admin = (method: string, path: string, body: unknown) => h.request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const wsR = (await (await admin('POST', '/api/v1/workspaces', { name: 'readers' })).json()).data.id;
    const reader = await admin('POST', '/api/v1/credentials', { name: 'reader', provider: 'azure', data: data({ client_id: READER_ID, client_secret: READER_SECRET }), workspace_id: wsR });
    expect(reader.status).toBe(201);
    const denied = await admin('POST', '/api/v1/vms', { name: 'not-allowed', provider: 'azure', instance_type: 'Standard_B2s', region: 'eastus', workspace_id: wsR, image_id: IMAGE, key_pair: 'ann-key', credential_id: (await reader.json()).data.id });
    expect(denied.status).toBe(400);
    const deniedBody = await denied.json();
    expect(deniedBody).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'image_id', provider: 'azure', provider_code: 'AuthorizationFailed' } });
    expect(deniedBody.data.provider_message).toContain("does not have authorization to perform action 'Microsoft.Compute/virtualMachines/write'");
    expect(h.db.prepare("SELECT count(*) AS n FROM cloud_vms WHERE provider = 'azure'").get()).toEqual(before);
    expect(JSON.stringify([quotaBody, deniedBody])).not.toContain(READER_SECRET);
  });

  it('validates a changed secret before storing it: a wrong one is 400 with Entra ID\'s answer and the stored one keeps working', async () => {
    const cred = (await get('/api/v1/credentials?provider=azure')).body.data.credentials.find((c: { name: string }) => c.name === 'azure-a');
    const res = await send('PUT', `/api/v1/credentials/${cred.id}`, { name: 'renamed', data: data({ client_secret: 'not-it-either' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'data', provider: 'azure', provider_code: 'invalid_client' } });
    expect((await get(`/api/v1/credentials/${cred.id}`)).body.data).toMatchObject({ name: 'azure-a', updated_at: cred.updated_at });
    // The stored secret is the one Entra ID accepts: a create with it reaches ARM.
    const creates = fake.creates;
    expect((await createVm({ name: 'after-refused-put' })).status).toBe(202);
    expect(fake.creates - creates).toBe(1);
  });
});
