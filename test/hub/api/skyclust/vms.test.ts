import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { VmStatusEvent } from '../../../../hub/bus.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { startMoto, type Moto } from '../../integrations/clouds/moto.js';

const AMI = 'ami-12c6146b'; // one of moto's built-in images
const awsData = { access_key: 'AKIAEXAMPLEKEY000001', secret_key: 'vm-test-secret-key-0123456789', region: 'us-east-1' };

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

/** A /ws client authenticated with Basic credentials, keeping every event. */
async function wsClient(h: ApiHub, [user, password]: [string, string]) {
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const waiters: (() => void)[] = [];
  const socket = new WebSocket(`${h.api.replace('http', 'ws')}/ws`);
  socket.on('message', (raw) => {
    events.push(JSON.parse(raw.toString()));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const next = async (match: (e: { type: string; data: Record<string, unknown> }) => boolean) => {
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  socket.send(JSON.stringify({ type: 'auth', token: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }));
  await next((e) => e.type === 'authenticated');
  return { events, next, socket };
}

/** VMs on AWS through the real EC2 SDK against moto_server, with the reconciler following them. */
describe('skyclust VMs on aws', () => {
  let moto: Moto;
  let h: ApiHub;
  let vmEvents: VmEvents;
  let ann: [string, string];
  let ben: [string, string];
  let wsA: string;
  let wsB: string;
  let ec2: EC2Client;
  const send = (method: string, path: string, body: unknown, user: [string, string]) =>
    h.request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user });
  const createVm = (body: Record<string, unknown>, user: [string, string] = ann) =>
    send('POST', '/api/v1/vms', { name: 'web-1', provider: 'aws', instance_type: 't3.micro', region: 'us-east-1', workspace_id: wsA, image_id: AMI, key_pair: 'my-key-pair', ...body }, user);
  const instancesNamed = async (name: string) => {
    const out = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: [name] }] }));
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  };

  beforeAll(async () => {
    moto = await startMoto({ MOTO_ENABLE_AMI_VALIDATION: 'true' });
    ec2 = new EC2Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    h = await startApiHub({ clouds: { aws: { endpoint: moto.endpoint }, reconcileInterval: '100ms' } });
    vmEvents = new VmEvents(h);
    ann = await h.addUser('ann', 'user');
    ben = await h.addUser('ben', 'user');
    wsA = (await (await send('POST', '/api/v1/workspaces', { name: 'a' }, ann)).json()).data.id;
    wsB = (await (await send('POST', '/api/v1/workspaces', { name: 'b' }, ben)).json()).data.id;
    expect((await send('POST', '/api/v1/credentials', { name: 'aws-a', provider: 'aws', data: awsData, workspace_id: wsA }, ann)).status).toBe(201);
  });
  afterAll(async () => {
    ec2?.destroy();
    await h?.close();
    await moto?.stop();
  });

  it('creates a VM that answers pending at once, becomes running through the reconciler, is terminated and followed until gone, with vm_status_changed on /ws to members only', async () => {
    const annWs = await wsClient(h, ann);
    const benWs = await wsClient(h, ben);
    const res = await createVm({ name: 'web-1' });
    expect(res.status).toBe(202);
    const created = (await res.json()).data;
    expect(created).toMatchObject({ name: 'web-1', provider: 'aws', status: 'pending', workspace_id: wsA, instance_type: 't3.micro', region: 'us-east-1', image_id: AMI, key_pair: 'my-key-pair' });
    expect(created.instance_id).toMatch(/^i-/);

    await vmEvents.waitFor(created.id, 'running');
    const running = (await (await h.request(`/api/v1/vms/${created.id}`, { user: ann })).json()).data;
    expect(running).toMatchObject({ id: created.id, status: 'running', instance_id: created.instance_id, zone: 'us-east-1a' });
    expect(running.private_ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const [instance] = await instancesNamed('web-1');
    expect(instance?.InstanceId).toBe(created.instance_id);
    expect(instance?.KeyName).toBe('my-key-pair');
    await annWs.next((e) => e.type === 'vm_status_changed' && e.data.vm_id === created.id && e.data.status === 'running');

    const del = await h.request(`/api/v1/vms/${created.id}`, { method: 'DELETE', user: ann });
    expect(del.status).toBe(200);
    expect((await del.json()).message).toBe('VM deletion started');
    await vmEvents.waitFor(created.id, 'terminated');
    expect(vmEvents.of(created.id)).toEqual(['pending', 'running', 'terminating', 'terminated']);
    expect((await h.request(`/api/v1/vms/${created.id}`, { user: ann })).status).toBe(404);
    expect((await instancesNamed('web-1'))[0]?.State?.Name).toBe('terminated');
    await annWs.next((e) => e.type === 'vm_status_changed' && e.data.vm_id === created.id && e.data.status === 'terminated');
    // ben is in no workspace of this VM: after a ping answered, nothing about it reached him.
    benWs.socket.send(JSON.stringify({ type: 'ping' }));
    await benWs.next((e) => e.type === 'pong');
    expect(benWs.events.filter((e) => e.type === 'vm_status_changed')).toEqual([]);
    annWs.socket.close();
    benWs.socket.close();
  });

  it('makes one VM for a retried create with the same client_request_id', async () => {
    const first = await createVm({ name: 'idem', client_request_id: 'req-42' });
    expect(first.status).toBe(202);
    const again = await createVm({ name: 'idem', client_request_id: 'req-42' });
    expect(again.status).toBe(200);
    const a = (await first.json()).data;
    const b = (await again.json()).data;
    expect(b.id).toBe(a.id);
    expect(b.instance_id).toBe(a.instance_id);
    expect(await instancesNamed('idem')).toHaveLength(1);
    expect(h.db.prepare('SELECT count(*) AS n FROM cloud_vms WHERE client_request_id = ?').get('req-42')).toEqual({ n: 1 });
  });

  it('answers an invalid AMI with the provider\'s code and message and keeps no record', async () => {
    const before = h.db.prepare('SELECT count(*) AS n FROM cloud_vms').get();
    const res = await createVm({ name: 'bad-ami', image_id: 'ami-00000000' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'image_id', provider: 'aws', provider_code: 'InvalidAMIID.NotFound' } });
    expect(body.data.provider_message).toContain('ami-00000000');
    expect(h.db.prepare('SELECT count(*) AS n FROM cloud_vms').get()).toEqual(before);
  });

  it('lists with workspace, provider and status filters and pagination, and isolates workspaces (404)', async () => {
    const vm = (await (await createVm({ name: 'listed' })).json()).data;
    await vmEvents.waitFor(vm.id, 'running');
    const list = await (await h.request(`/api/v1/vms?workspace_id=${wsA}&provider=aws&status=running&status=pending&limit=1`, { user: ann })).json();
    expect(list.data.pagination).toMatchObject({ limit: 1, offset: 0 });
    expect(list.data.pagination.total).toBeGreaterThanOrEqual(2);
    expect(list.data.vms).toHaveLength(1);
    const none = await (await h.request(`/api/v1/vms?status=failed`, { user: ann })).json();
    expect(none.data.vms).toEqual([]);
    // ben: not a member of workspace A.
    expect((await (await h.request('/api/v1/vms', { user: ben })).json()).data.vms).toEqual([]);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ben })).status).toBe(404);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ben })).status).toBe(404);
    expect((await createVm({ name: 'sneak' }, ben)).status).toBe(404);
    // In his own workspace he has no aws credential he may use (ann's is shared with A only).
    const noCred = await createVm({ name: 'nocred', workspace_id: wsB }, ben);
    expect(await noCred.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'credential_id' } });
    const credId = (await (await h.request('/api/v1/credentials', { user: ann })).json()).data.credentials[0].id;
    // Naming ann's credential does not let him use it.
    const named = await createVm({ name: 'borrowed', workspace_id: wsB, credential_id: credId }, ben);
    expect(await named.json()).toMatchObject({ code: 'VALIDATION_ERROR', error: 'credential_id: no such credential' });
    expect(h.db.prepare("SELECT count(*) AS n FROM cloud_vms WHERE name IN ('sneak', 'nocred', 'borrowed')").get()).toEqual({ n: 0 });
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ann })).status).toBe(200);
    // A credential in use is not deleted.
    expect((await h.request(`/api/v1/credentials/${credId}`, { method: 'DELETE', user: ann })).status).toBe(409);
  });

  it('refuses a VM whose provider is not its credential\'s, and bad input naming the field', async () => {
    const azure = await createVm({ provider: 'azure' });
    expect(azure.status).toBe(400);
    expect((await azure.json()).data.parameter).toBe('credential_id');
    const bad = await createVm({ instance_type: 't3.micro; rm -rf /' });
    expect((await bad.json()).data.parameter).toBe('instance_type');
    expect((await h.request('/api/v1/vms?limit=0', { user: ann })).status).toBe(400);
    expect((await h.request('/api/v1/vms/not-a-uuid', { user: ann })).status).toBe(400);
    expect((await h.request('/api/v1/vms?sort=instance_id:asc', { user: ann })).status).toBe(400);
  });
});
