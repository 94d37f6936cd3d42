import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHub } from '../../../helpers/api.js';
import { startMoto, type Moto } from '../../integrations/clouds/moto.js';
import { addCredential, createWorkspace, sendJson, startCloudHub, type CloudHub, type User } from './cloud-fixture.js';

const AMI = 'ami-12c6146b'; // one of moto's built-in images
const awsData = (n: number) => ({ access_key: `AKIAEXAMPLEKEY00000${n}`, secret_key: 'import-test-secret-key-0123456789', region: 'us-east-1' });

/** Importing EC2 instances the hub did not create: through the real hub and the real EC2 SDK against moto_server. */
describe('skyclust VM import on aws', () => {
  let moto: Moto;
  let cloud: CloudHub;
  let h: ApiHub;
  let ec2: EC2Client;
  let ann: User;
  let ben: User;
  let vic: User;
  let wsA: string;
  let wsB: string;
  const importVm = (body: Record<string, unknown>, user: User = ann) => sendJson(h, 'POST', '/api/v1/vms/import', { workspace_id: wsA, provider: 'aws', region: 'us-east-1', ...body }, user);
  /** An instance made with the SDK, not through the hub. */
  const runInstance = async (instanceType: 't3.small' | 't3.micro' = 't3.small') => {
    const out = await ec2.send(new RunInstancesCommand({ ImageId: AMI, InstanceType: instanceType, MinCount: 1, MaxCount: 1 }));
    return out.Instances![0]!.InstanceId!;
  };
  const instance = async (id: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
  const vmCount = () => (h.db.prepare('SELECT count(*) AS n FROM cloud_vms').get() as { n: number }).n;

  beforeAll(async () => {
    moto = await startMoto();
    ec2 = new EC2Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    cloud = await startCloudHub({ aws: { endpoint: moto.endpoint } });
    h = cloud.hub;
    ann = await h.addUser('ann', 'user');
    ben = await h.addUser('ben', 'user');
    vic = await h.addUser('vic', 'viewer');
    wsA = await createWorkspace(h, 'a', ann);
    wsB = await createWorkspace(h, 'b', ben);
    await addCredential(h, ann, { name: 'aws-a', provider: 'aws', data: awsData(1), workspace_id: wsA });
    await addCredential(h, ben, { name: 'aws-b', provider: 'aws', data: awsData(2), workspace_id: wsB });
  }, 180_000);
  afterAll(async () => {
    ec2?.destroy();
    await h?.close();
    await moto?.stop();
  });

  it("imports a running instance with EC2's facts, lists it, audits it, and a delete through the hub terminates it and follows it until gone", async () => {
    const id = await runInstance('t3.small');
    const ec2Facts = await instance(id);
    const res = await importVm({ instance_id: id });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, message: 'VM imported' });
    const vm = body.data;
    expect(vm).toMatchObject({
      name: id,
      provider: 'aws',
      workspace_id: wsA,
      instance_id: id,
      status: 'running',
      instance_type: 't3.small',
      image_id: AMI,
      region: 'us-east-1',
      zone: ec2Facts.Placement!.AvailabilityZone,
      private_ip: ec2Facts.PrivateIpAddress,
      public_ip: ec2Facts.PublicIpAddress ?? null,
      key_pair: null,
    });
    expect(vm.private_ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const listed = (await (await h.request(`/api/v1/vms?workspace_id=${wsA}&provider=aws`, { user: ann })).json()).data.vms;
    expect(listed.find((v: { id: string }) => v.id === vm.id)).toEqual(vm);
    expect(cloud.events.filter((e) => e.vmId === vm.id).map((e) => [e.previous, e.status])).toEqual([[null, 'running']]);
    const audit = h.db.prepare("SELECT action, resource, resource_id, success FROM audit_log WHERE action = 'import'").all();
    expect(audit).toEqual([{ action: 'import', resource: 'vm', resource_id: vm.id, success: 1 }]);

    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ann })).status).toBe(200);
    await cloud.waitFor(vm.id, 'terminated');
    expect(cloud.statuses(vm.id)).toEqual(['running', 'terminating', 'terminated']);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ann })).status).toBe(404);
    expect((await instance(id)).State?.Name).toBe('terminated');
  });

  it('imports an instance once: a second import is 409, naming the VM only to those who may see it', async () => {
    const id = await runInstance();
    const first = await importVm({ instance_id: id, name: 'legacy web' });
    expect(first.status).toBe(201);
    const vm = (await first.json()).data;
    expect(vm.name).toBe('legacy web');
    const before = vmCount();

    const again = await importVm({ instance_id: id });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ success: false, code: 'CONFLICT', data: { parameter: 'instance_id', vm_id: vm.id } });
    // ben, with his own credential, into his own workspace: refused too, without the id of a VM he cannot see.
    const elsewhere = await importVm({ instance_id: id, workspace_id: wsB }, ben);
    expect(elsewhere.status).toBe(409);
    const refusal = await elsewhere.json();
    expect(refusal).toMatchObject({ code: 'CONFLICT', data: { parameter: 'instance_id' } });
    expect(refusal.data.vm_id).toBeUndefined();
    expect(JSON.stringify(refusal)).not.toContain(vm.id);
    expect(vmCount()).toBe(before);
  });

  it("keeps an imported VM in its workspace: another workspace's user gets 404, and cannot import into it", async () => {
    const id = await runInstance();
    const vm = (await (await importVm({ instance_id: id })).json()).data;
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ben })).status).toBe(404);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ben })).status).toBe(404);
    expect((await (await h.request('/api/v1/vms', { user: ben })).json()).data.vms).toEqual([]);
    const other = await runInstance();
    const sneak = await importVm({ instance_id: other }, ben);
    expect(sneak.status).toBe(404);
    expect((await sneak.json()).code).toBe('NOT_FOUND');
    expect(h.db.prepare('SELECT count(*) AS n FROM cloud_vms WHERE instance_id = ?').get(other)).toEqual({ n: 0 });
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ann })).status).toBe(200);
  });

  it('refuses a viewer (403), an instance EC2 does not know (404 naming instance_id), a terminated one (400), and bad input naming the field', async () => {
    const before = vmCount();
    const id = await runInstance();
    expect((await importVm({ instance_id: id }, vic)).status).toBe(403);

    const unknown = await importVm({ instance_id: 'i-0123456789abcdef0' });
    expect(unknown.status).toBe(404);
    const notFound = await unknown.json();
    expect(notFound).toMatchObject({ success: false, code: 'NOT_FOUND', data: { parameter: 'instance_id' } });
    expect(notFound.error).toContain('i-0123456789abcdef0');
    expect(typeof notFound.request_id).toBe('string');

    const gone = await runInstance();
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone] }));
    const terminated = await importVm({ instance_id: gone });
    expect(terminated.status).toBe(400);
    expect(await terminated.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'instance_id' } });

    for (const [field, body] of [
      ['instance_id', { instance_id: 'i-1; rm -rf /' }],
      ['instance_id', { instance_id: 'i-'.padEnd(600, 'a') }],
      ['region', { instance_id: id, region: 'us-east-1\n' }],
      ['workspace_id', { instance_id: id, workspace_id: 'not-a-uuid' }],
      ['name', { instance_id: id, name: 'a\u0000b' }],
    ] as const) {
      const res = await importVm(body);
      expect(res.status, field).toBe(400);
      expect((await res.json()).data.parameter, field).toBe(field);
    }
    // A credential of another provider is not used for this one.
    expect((await (await importVm({ instance_id: id, provider: 'gcp' })).json()).data.parameter).toBe('credential_id');
    expect(vmCount()).toBe(before);
  });
});
