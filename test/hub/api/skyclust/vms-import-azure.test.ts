import { randomUUID } from 'node:crypto';
import { Agent } from 'node:https';
import { ComputeManagementClient } from '@azure/arm-compute';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subnetId } from '../../../../hub/integrations/clouds/azure/virtual-machines.js';
import type { FakeAzure } from '../../../fakes/azure/arm.js';
import type { ApiHub } from '../../../helpers/api.js';
import { addCredential, createWorkspace, sendJson, startCloudHub, startFakeAzure, type AzureFixture, type CloudHub, type User } from './cloud-fixture.js';

const TENANT = randomUUID();
const SUB = randomUUID();
const CLIENT_ID = randomUUID();
const SECRET = 'Import~azure.s3cret-' + randomUUID();
const RG = 'legacy-rg';
const IMAGE = 'Canonical:ubuntu-24_04-lts:server:latest';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKcloudAzureImportKey ops@example';
const vmId = (name: string, sub = SUB) => `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${name}`;

/** Importing Azure VMs the hub did not create: the real hub and the real @azure/arm-compute + @azure/identity against the fake Entra ID + Resource Manager over https. */
describe('skyclust VM import on azure', () => {
  let azure: AzureFixture;
  let fake: FakeAzure;
  let cloud: CloudHub;
  let h: ApiHub;
  let agent: Agent;
  let sdk: ComputeManagementClient;
  let ann: User;
  let ben: User;
  let vic: User;
  let wsA: string;
  let wsB: string;
  const data = { tenant_id: TENANT, client_id: CLIENT_ID, client_secret: SECRET, subscription_id: SUB };
  const importVm = (body: Record<string, unknown>, user: User = ann) => sendJson(h, 'POST', '/api/v1/vms/import', { workspace_id: wsA, provider: 'azure', region: 'eastus', ...body }, user);
  /** A VM created with the SDK, not through the hub: a name, tags and network of its own. */
  const createDirectly = async (name: string, vmSize = 'Standard_B2s') => {
    await sdk.virtualMachines
      .createOrUpdate(RG, name, {
        location: 'eastus',
        tags: { owner: 'ops' },
        hardwareProfile: { vmSize },
        storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' } },
        osProfile: { computerName: name, adminUsername: 'ops', linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/ops/.ssh/authorized_keys', keyData: SSH_KEY }] } } },
        networkProfile: {
          networkApiVersion: '2020-11-01',
          networkInterfaceConfigurations: [{ name: `${name}-nic`, primary: true, ipConfigurations: [{ name: 'ipconfig1', subnet: { id: subnetId(SUB, RG, 'eastus') }, publicIPAddressConfiguration: { name: `${name}-ip` } }] }],
        },
      })
      .submitted();
    return vmId(name);
  };
  const vmCount = () => (h.db.prepare("SELECT count(*) AS n FROM cloud_vms WHERE provider = 'azure'").get() as { n: number }).n;

  beforeAll(async () => {
    azure = await startFakeAzure({
      tenantId: TENANT,
      principals: [{ clientId: CLIENT_ID, clientSecret: SECRET, subscriptions: [SUB] }],
      resourceGroups: [RG],
      subnets: [subnetId(SUB, RG, 'eastus')],
      images: ['Canonical:ubuntu-24_04-lts:server'],
    });
    fake = azure.fake;
    agent = new Agent({ keepAlive: true, ca: azure.cert });
    const common = { agent, retryOptions: { maxRetries: 0 } };
    const identity = new ClientSecretCredential(TENANT, CLIENT_ID, SECRET, { ...common, authorityHost: fake.endpoint, disableInstanceDiscovery: true });
    sdk = new ComputeManagementClient(identity, SUB, { ...common, endpoint: fake.endpoint, credentials: { scopes: [`${fake.endpoint}/.default`] } });
    cloud = await startCloudHub({ azure: { endpoint: fake.endpoint, authorityHost: fake.endpoint, resourceGroup: 'kcloud', caFile: azure.caFile } });
    h = cloud.hub;
    ann = await h.addUser('ann', 'user');
    ben = await h.addUser('ben', 'user');
    vic = await h.addUser('vic', 'viewer');
    wsA = await createWorkspace(h, 'a', ann);
    wsB = await createWorkspace(h, 'b', ben);
    await addCredential(h, ann, { name: 'azure-a', provider: 'azure', data, workspace_id: wsA });
    await addCredential(h, ben, { name: 'azure-b', provider: 'azure', data, workspace_id: wsB });
    // A hub start on a loaded machine can take longer than the default hook limit.
  }, 180_000);
  afterAll(async () => {
    agent?.destroy();
    await h?.close();
    await azure?.stop();
  });

  it("imports a VM being created with ARM's facts (size, image URN, name), the reconciler follows it to running with its addresses, and a delete through the hub follows it until gone", async () => {
    const id = await createDirectly('legacy-trainer', 'Standard_NC24ads_A100_v4');
    const res = await importVm({ instance_id: id });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, message: 'VM imported' });
    const vm = body.data;
    expect(vm).toMatchObject({ name: 'legacy-trainer', provider: 'azure', workspace_id: wsA, instance_id: id, status: 'pending', instance_type: 'Standard_NC24ads_A100_v4', image_id: IMAGE, region: 'eastus', key_pair: null });
    expect(h.db.prepare("SELECT resource_id FROM audit_log WHERE action = 'import'").all()).toContainEqual({ resource_id: vm.id });

    await cloud.waitFor(vm.id, 'running');
    const stored = fake.vms.get(id.toLowerCase())!;
    const running = (await (await h.request(`/api/v1/vms?workspace_id=${wsA}&provider=azure&status=running`, { user: ann })).json()).data.vms;
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({ id: vm.id, public_ip: stored.publicIp, private_ip: stored.privateIp });

    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ann })).status).toBe(200);
    await cloud.waitFor(vm.id, 'terminated');
    expect(cloud.statuses(vm.id)).toEqual(['pending', 'running', 'terminating', 'terminated']);
    expect(fake.vms.has(id.toLowerCase())).toBe(false);
    expect(fake.requests).toContain(`DELETE ${id}`);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ann })).status).toBe(404);
  });

  it("counts an ARM id in other letter case as the same VM (409), and keeps the VM from another workspace's user (404, no id named)", async () => {
    const id = await createDirectly('legacy-web');
    const vm = (await (await importVm({ instance_id: id, name: 'web (legacy)' })).json()).data;
    expect(vm.name).toBe('web (legacy)');
    const before = vmCount();

    const upper = id.replace('/resourceGroups/legacy-rg/', '/RESOURCEGROUPS/LEGACY-RG/').replace('legacy-web', 'LEGACY-WEB');
    const again = await importVm({ instance_id: upper });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'CONFLICT', data: { parameter: 'instance_id', vm_id: vm.id } });

    // ben, with his own credential, into his own workspace: refused too, without the id of a VM he cannot see.
    const elsewhere = await importVm({ instance_id: id.toLowerCase(), workspace_id: wsB }, ben);
    expect(elsewhere.status).toBe(409);
    const refusal = await elsewhere.json();
    expect(refusal.data.vm_id).toBeUndefined();
    expect(JSON.stringify(refusal)).not.toContain(vm.id);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ben })).status).toBe(404);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ben })).status).toBe(404);
    // Nor may he import into a workspace he is not a member of.
    const other = await createDirectly('legacy-other');
    expect((await importVm({ instance_id: other }, ben)).status).toBe(404);
    expect(vmCount()).toBe(before);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ann })).status).toBe(200);
  });

  it('refuses an unknown VM (404), one being deleted (400 naming instance_id), another subscription (400), a viewer (403)', async () => {
    const before = vmCount();
    const unknown = await importVm({ instance_id: vmId('nothing-here') });
    expect(unknown.status).toBe(404);
    const notFound = await unknown.json();
    expect(notFound).toMatchObject({ success: false, code: 'NOT_FOUND', data: { parameter: 'instance_id' } });
    expect(notFound.error).toContain('nothing-here');

    // Deleted with the SDK: ARM answers provisioningState Deleting while the delete runs.
    const going = await createDirectly('legacy-going');
    await sdk.virtualMachines.delete(RG, 'legacy-going').submitted();
    const deleting = await importVm({ instance_id: going });
    expect(deleting.status).toBe(400);
    const refusal = await deleting.json();
    expect(refusal).toMatchObject({ success: false, code: 'VALIDATION_ERROR', data: { parameter: 'instance_id' } });
    expect(refusal.error).toContain('being terminated');

    const foreign = await importVm({ instance_id: vmId('legacy-web', randomUUID()) });
    expect(foreign.status).toBe(400);
    expect(await foreign.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'instance_id', provider: 'azure', provider_code: 'InvalidResourceId' } });

    const live = await createDirectly('legacy-viewed');
    expect((await importVm({ instance_id: live }, vic)).status).toBe(403);
    expect(vmCount()).toBe(before);
    expect(h.logs.text()).not.toContain(SECRET);
  });
});
