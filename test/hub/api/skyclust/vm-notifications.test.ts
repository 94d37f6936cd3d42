import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGce } from '../../../fakes/gcp/compute.js';
import type { ApiHub } from '../../../helpers/api.js';
import { DEBIAN, serviceAccount, startFakeGce } from '../../integrations/clouds/gce.js';
import { addCredential, createWorkspace, gcpClouds, gcpData, sendJson, startCloudHub, type CloudHub, type User } from './cloud-fixture.js';

const ZONE = 'us-central1-a';

interface Listed {
  category: string;
  type: string;
  title: string;
  data: { vm_id?: string; vm_name?: string; workspace_id?: string; status?: string; previous_status?: string | null };
}

/** A VM's transitions become notifications for its workspace's members and the admins (real hub, real @google-cloud/compute, fake Compute Engine). */
describe('VM transition notifications', () => {
  const sa = serviceAccount();
  let fake: FakeGce;
  let cloud: CloudHub;
  let h: ApiHub;
  let ann: User;
  let carl: User;
  let bob: User;
  let wsA: string;
  const createVm = (name: string) => sendJson(h, 'POST', '/api/v1/vms', { name, provider: 'gcp', instance_type: 'e2-small', region: ZONE, workspace_id: wsA, image_id: DEBIAN }, ann);
  /** The VM notifications of one user, as GET /notifications lists them, oldest first. */
  const vmNotifications = async (user?: User): Promise<Listed[]> => {
    const res = await h.request('/api/v1/notifications?category=vm_status&limit=100&sort=created_at:asc', user ? { user } : {});
    expect(res.status).toBe(200);
    return (await res.json()).data.notifications as Listed[];
  };

  beforeAll(async () => {
    fake = await startFakeGce([sa]);
    cloud = await startCloudHub(gcpClouds(fake));
    h = cloud.hub;
    ann = await h.addUser('ann', 'user');
    carl = await h.addUser('carl', 'user');
    bob = await h.addUser('bob', 'user');
    wsA = await createWorkspace(h, 'a', ann);
    await createWorkspace(h, 'b', bob);
    expect((await sendJson(h, 'POST', `/api/v1/workspaces/${wsA}/members`, { username: 'carl' }, ann)).status).toBe(201);
    await addCredential(h, ann, { name: 'gcp-a', provider: 'gcp', data: gcpData(sa), workspace_id: wsA });
    // A hub start on a loaded machine can take longer than the default hook limit.
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await fake?.stop();
  });

  it('notifies the workspace members and the admins of create -> running -> deleted, never another workspace\'s user', async () => {
    const res = await createVm('web <1>');
    expect(res.status).toBe(202);
    const vm = (await res.json()).data;
    await cloud.waitFor(vm.id, 'running');

    for (const user of [ann, carl, undefined]) {
      const mine = await vmNotifications(user);
      expect(mine.map((n) => n.data.status)).toEqual(['pending', 'running']);
      expect(mine[1]).toMatchObject({
        category: 'vm_status',
        type: 'success',
        title: 'VM web 1 is running',
        data: { vm_id: vm.id, vm_name: 'web 1', workspace_id: wsA, status: 'running', previous_status: 'pending' },
      });
    }
    expect(await vmNotifications(bob)).toEqual([]);

    // The record is gone before `terminated`: its notification still names the VM.
    expect((await h.request(`/api/v1/vms/${vm.id}`, { method: 'DELETE', user: ann })).status).toBe(200);
    await cloud.waitFor(vm.id, 'terminated');
    const after = await vmNotifications(carl);
    expect(after.map((n) => n.data.status)).toEqual(['pending', 'running', 'terminating', 'terminated']);
    expect(after[3]).toMatchObject({ title: 'VM web 1 is terminated', data: { vm_id: vm.id, previous_status: 'terminating' } });
    expect(await vmNotifications(bob)).toEqual([]);
  });

  it('notifies a status reported twice for the same VM once', async () => {
    const res = await createVm('twice');
    const vm = (await res.json()).data;
    await cloud.waitFor(vm.id, 'running');
    const before = (await vmNotifications(ann)).filter((n) => n.data.vm_id === vm.id);
    // As a create call and a reconciler pass that both saw the instance running would.
    h.hub.bus.emit('vm-status-changed', { vmId: vm.id, name: 'twice', workspaceId: wsA, status: 'running', previous: 'pending', ts: Date.now() });
    const again = (await vmNotifications(ann)).filter((n) => n.data.vm_id === vm.id);
    expect(before.map((n) => n.data.status)).toEqual(['pending', 'running']);
    expect(again).toEqual(before);
  });
});
