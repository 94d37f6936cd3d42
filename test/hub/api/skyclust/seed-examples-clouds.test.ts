import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { startMoto, type Moto } from '../../integrations/clouds/moto.js';

const DAY = 86_400_000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The examples of ../shared/seeds/skyclust-api.md for credentials, VMs,
 * cost analysis and the vm_status_changed event, as a new user makes them:
 * registered through /auth/register (enabled here), with its JWT, against the real hub and
 * the real AWS SDKs on moto_server (Cost Explorer seeded with the seed's own
 * figures: EC2 600.00 + S3 200.25 = 800.25). Each request body is the
 * seed's; each answer is checked for the seed's fields.
 */
describe("the seed's cloud examples through the real server", () => {
  let moto: Moto;
  let h: ApiHub;
  let ec2: EC2Client;
  let token: string;
  let workspaceId: string;
  let credentialId: string;
  let vmId: string;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const day = utcDate(today - 3 * DAY);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await h.request(`/api/v1${path}`, { method, user: null, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: await res.json() };
  };
  /** The seed's success envelope around `data`. */
  const envelope = (data: unknown) => ({ success: true, data, request_id: expect.any(String), timestamp: expect.stringMatching(ISO) });

  beforeAll(async () => {
    moto = await startMoto();
    const seeded = await moto.post('/moto-api/static/ce/cost-and-usage-results', {
      results: [
        {
          ResultsByTime: [
            {
              TimePeriod: { Start: day, End: utcDate(today - 2 * DAY) },
              Total: {},
              Groups: [
                { Keys: ['EC2'], Metrics: { UnblendedCost: { Amount: '600.00', Unit: 'USD' } } },
                { Keys: ['S3'], Metrics: { UnblendedCost: { Amount: '200.25', Unit: 'USD' } } },
              ],
              Estimated: false,
            },
          ],
        },
      ],
    });
    expect(seeded.status).toBe(201);
    ec2 = new EC2Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    // Self-registration is off unless configured (docs/security.md); the seed's new user registers.
    h = await startApiHub({ auth: { registration: { enabled: true } }, clouds: { aws: { endpoint: moto.endpoint }, reconcileInterval: '100ms' } });
    const registered = await h.request('/api/v1/auth/register', { method: 'POST', user: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'newcomer', email: 'newcomer@example.org', password: 'newcomer-pass-123' }) });
    expect(registered.status).toBe(201);
    token = (await registered.json()).data.token;
    workspaceId = (await call('POST', '/workspaces', { name: 'team' })).body.data.id;
    // A hub and moto start on a loaded machine can take longer than the default hook limit.
  }, 180_000);
  afterAll(async () => {
    ec2?.destroy();
    await h?.close();
    await moto?.stop();
  });

  it('POST /credentials, GET /credentials, PUT /credentials/{id}', async () => {
    const created = await call('POST', '/credentials', { name: 'aws-prod', provider: 'aws', data: { access_key: 'AKIAIOSFODNN7EXAMPLE', secret_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'us-east-1' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...envelope({ id: expect.stringMatching(UUID), name: 'aws-prod', provider: 'aws', is_active: true, created_at: expect.stringMatching(ISO) }), message: expect.any(String) });
    credentialId = created.body.data.id;

    const list = await call('GET', '/credentials?provider=aws&limit=20&offset=0');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject(envelope({ credentials: [{ id: credentialId, name: 'aws-prod', provider: 'aws', is_active: true, created_at: created.body.data.created_at }], pagination: { limit: 20, offset: 0, total: 1 } }));

    // The seed's update body (name and data); shared with the workspace as well, so that the workspace's cost counts it.
    const updated = await call('PUT', `/credentials/${credentialId}`, { name: 'aws-prod-2', data: { access_key: 'AKIAIOSFODNN7EXAMPLE', secret_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'us-east-1' }, workspace_id: workspaceId });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ ...envelope({ id: credentialId, name: 'aws-prod-2', provider: 'aws', updated_at: expect.stringMatching(ISO) }), message: expect.any(String) });
    expect(JSON.stringify([created, list, updated])).not.toContain('wJalrXUtnFEMI');
  });

  it('POST /vms, GET /vms, GET /vms/{id}, vm_status_changed on /ws, DELETE /vms/{id}', async () => {
    const socket = new WebSocket(`${h.api.replace('http', 'ws')}/ws`);
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const waiters: (() => void)[] = [];
    socket.on('message', (raw) => {
      events.push(JSON.parse(raw.toString()));
      for (const w of waiters.splice(0)) w();
    });
    const next = async (match: (e: { type: string; data: Record<string, unknown> }) => boolean) => {
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'auth', token }));
    await next((e) => e.type === 'authenticated');

    const created = await call('POST', '/vms', { name: 'string', provider: 'aws', instance_type: 't3.micro', region: 'us-east-1', workspace_id: workspaceId, image_id: 'ami-12345678', key_pair: 'my-key-pair' });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ ...envelope({ id: expect.stringMatching(UUID), name: 'string', provider: 'aws', status: 'pending', workspace_id: workspaceId }), message: expect.any(String) });
    vmId = created.body.data.id;

    const running = await next((e) => e.type === 'vm_status_changed' && e.data.vm_id === vmId && e.data.status === 'running');
    expect(running.data).toMatchObject({ vm_id: vmId, status: 'running', timestamp: expect.stringMatching(ISO) });

    const list = await call('GET', `/vms?workspace_id=${workspaceId}&provider=aws&status=running&limit=20&offset=0`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject(envelope({ vms: [{ id: vmId, name: 'string', provider: 'aws', instance_type: 't3.micro', status: 'running', region: 'us-east-1', workspace_id: workspaceId, created_at: expect.stringMatching(ISO) }], pagination: { limit: 20, offset: 0, total: 1 } }));

    const one = await call('GET', `/vms/${vmId}`);
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [one.body.data.instance_id] }))).Reservations![0]!.Instances![0]!;
    expect(one.body).toMatchObject(
      envelope({ id: vmId, name: 'string', provider: 'aws', instance_type: 't3.micro', status: 'running', region: 'us-east-1', public_ip: instance.PublicIpAddress ?? null, private_ip: instance.PrivateIpAddress, workspace_id: workspaceId, created_at: expect.stringMatching(ISO) }),
    );
    expect(one.body.data.private_ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const deleted = await call('DELETE', `/vms/${vmId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ success: true, message: expect.any(String) });
    await next((e) => e.type === 'vm_status_changed' && e.data.vm_id === vmId && e.data.status === 'terminated');
    expect((await call('GET', `/vms/${vmId}`)).status).toBe(404);
    socket.close();
  });

  it('GET /cost-analysis and GET /cost-analysis/breakdown, with the seed figures from Cost Explorer', async () => {
    const cost = await call('GET', `/cost-analysis?period=30d&workspace_id=${workspaceId}&provider=aws`);
    expect(cost.status).toBe(200);
    expect(cost.body).toMatchObject(envelope({ total_cost: 800.25, currency: 'USD', period: '30d', breakdown: [{ provider: 'aws', cost: 800.25, percentage: 100 }] }));
    expect(cost.body.data.trend).toHaveLength(30);
    expect(cost.body.data.trend).toContainEqual({ date: day, cost: 800.25 });

    const all = await call('GET', '/cost-analysis/breakdown?provider=aws&period=30d');
    expect(all.body).toMatchObject(
      envelope({
        provider: 'aws',
        total_cost: 800.25,
        services: [
          { service: 'EC2', cost: 600, percentage: 75 },
          { service: 'S3', cost: 200.25, percentage: 25 },
        ],
      }),
    );
    const ec2Only = await call('GET', '/cost-analysis/breakdown?provider=aws&service=EC2&period=30d');
    expect(ec2Only.body).toMatchObject(envelope({ provider: 'aws', total_cost: 600, services: [{ service: 'EC2', cost: 600, percentage: 100 }] }));
  });

  it("DELETE /credentials/{id}; the SDK examples' VM create without workspace_id and image_id is refused naming workspace_id", async () => {
    const deleted = await call('DELETE', `/credentials/${credentialId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ success: true, message: expect.any(String) });
    expect((await call('GET', '/credentials')).body.data.credentials).toEqual([]);

    // client.vms.create({name, provider, instance_type, region}) of the seed's SDK section: the seed's own POST /vms body has workspace_id and image_id too.
    const sdk = await call('POST', '/vms', { name: 'my-vm', provider: 'aws', instance_type: 't3.micro', region: 'us-east-1' });
    expect(sdk.status).toBe(400);
    expect(sdk.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR', request_id: expect.any(String) });
    expect(sdk.body.data.parameter).toBe('workspace_id');
  });
});
