import { InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcpAuth } from '../../../../hub/integrations/clouds/gcp/service-account.js';
import type { FakeGce } from '../../../fakes/gcp/compute.js';
import type { ApiHub } from '../../../helpers/api.js';
import { DEBIAN, GCP_PROJECT, serviceAccount, startFakeGce } from '../../integrations/clouds/gce.js';
import { addCredential, createWorkspace, gcpClouds, gcpData, sendJson, startCloudHub, type CloudHub, type User } from './cloud-fixture.js';

const ZONE = 'us-central1-a';

/** Importing GCE instances the hub did not create: the real hub and the real @google-cloud/compute SDK against the fake Compute Engine. */
describe('skyclust VM import on gcp', () => {
  const sa = serviceAccount();
  let fake: FakeGce;
  let cloud: CloudHub;
  let h: ApiHub;
  let sdk: InstancesClient;
  let operations: ZoneOperationsClient;
  let ann: User;
  let ben: User;
  let vic: User;
  let wsA: string;
  const importVm = (body: Record<string, unknown>, user: User = ann) => sendJson(h, 'POST', '/api/v1/vms/import', { workspace_id: wsA, provider: 'gcp', region: ZONE, ...body }, user);
  /** An instance inserted with the SDK, not through the hub (no requestId, a name of its own). */
  const insert = async (name: string, machineType = 'e2-medium') => {
    const [operation] = await sdk.insert({
      project: GCP_PROJECT,
      zone: ZONE,
      instanceResource: { name, machineType: `zones/${ZONE}/machineTypes/${machineType}`, disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: DEBIAN } }] },
    });
    return operation;
  };

  beforeAll(async () => {
    fake = await startFakeGce([sa]);
    const url = new URL(fake.endpoint);
    const sdkOpts = { authClient: gcpAuth(gcpData(sa), { tokenUrl: fake.tokenUrl, timeoutMs: 10_000 }), fallback: true, apiEndpoint: url.hostname, port: Number(url.port), protocol: 'http' };
    sdk = new InstancesClient(sdkOpts);
    operations = new ZoneOperationsClient(sdkOpts);
    cloud = await startCloudHub(gcpClouds(fake));
    h = cloud.hub;
    ann = await h.addUser('ann', 'user');
    ben = await h.addUser('ben', 'user');
    vic = await h.addUser('vic', 'viewer');
    wsA = await createWorkspace(h, 'a', ann);
    await addCredential(h, ann, { name: 'gcp-a', provider: 'gcp', data: gcpData(sa), workspace_id: wsA });
    // A hub start on a loaded machine can take longer than the default hook limit.
  }, 180_000);
  afterAll(async () => {
    await sdk?.close();
    await operations?.close();
    await h?.close();
    await fake?.stop();
  });

  it("imports a provisioning instance with GCE's facts, the reconciler follows it to running, and a delete through the hub follows it until gone", async () => {
    await insert('legacy-db');
    const res = await importVm({ instance_id: 'legacy-db' });
    expect(res.status).toBe(201);
    const vm = (await res.json()).data;
    // GCE names the image on the boot disk, not the instance: the record has none.
    expect(vm).toMatchObject({ name: 'legacy-db', provider: 'gcp', workspace_id: wsA, instance_id: 'legacy-db', status: 'pending', instance_type: 'e2-medium', image_id: '', region: ZONE, zone: ZONE });

    await cloud.waitFor(vm.id, 'running');
    const stored = fake.instances.get(`${GCP_PROJECT}/${ZONE}/legacy-db`)!;
    const running = (await (await h.request(`/api/v1/vms?workspace_id=${wsA}&status=running`, { user: ann })).json()).data.vms;
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({ id: vm.id, public_ip: stored.natIP, private_ip: stored.networkIP, instance_type: 'e2-medium' });

    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ann })).status).toBe(200);
    await cloud.waitFor(vm.id, 'terminated');
    expect(cloud.statuses(vm.id)).toEqual(['pending', 'running', 'terminating', 'terminated']);
    expect(fake.instances.has(`${GCP_PROJECT}/${ZONE}/legacy-db`)).toBe(false);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ann })).status).toBe(404);
  });

  it("refuses a second import (409), an unknown name (404), an instance whose insert failed (400), a viewer (403), and keeps the VM from another workspace's user (404)", async () => {
    await insert('batch-1');
    const vm = (await (await importVm({ instance_id: 'batch-1' })).json()).data;
    const again = await importVm({ instance_id: 'batch-1', name: 'twice' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'CONFLICT', data: { parameter: 'instance_id', vm_id: vm.id } });
    // The same name in another zone is another instance: GCE does not know it there.
    const otherZone = await importVm({ instance_id: 'batch-1', region: 'us-central1-b' });
    expect(otherZone.status).toBe(404);

    const unknown = await importVm({ instance_id: 'nothing-here' });
    expect(unknown.status).toBe(404);
    const body = await unknown.json();
    expect(body).toMatchObject({ success: false, code: 'NOT_FOUND', data: { parameter: 'instance_id' } });
    expect(body.error).toContain('nothing-here');

    // Over the CPU quota: the insert operation ends in QUOTA_EXCEEDED and no instance is made.
    const insertOp = await insert('too-big', 'n2-standard-64');
    const [ended] = await operations.wait({ project: GCP_PROJECT, zone: ZONE, operation: String((insertOp.latestResponse as { name?: string }).name) });
    expect(ended.error?.errors?.[0]?.code).toBe('QUOTA_EXCEEDED');
    const failed = await importVm({ instance_id: 'too-big' });
    expect(failed.status).toBe(400);
    const refusal = await failed.json();
    expect(refusal).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'instance_id' } });
    expect(refusal.error).toContain('QUOTA_EXCEEDED');

    expect((await importVm({ instance_id: 'batch-1' }, vic)).status).toBe(403);
    expect((await h.request(`/api/v1/vms/${vm.id}`, { user: ben })).status).toBe(404);
    expect(h.db.prepare("SELECT name FROM cloud_vms WHERE provider = 'gcp'").all()).toEqual([{ name: 'batch-1' }]);
  });
});
