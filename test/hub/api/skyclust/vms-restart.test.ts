import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmStatusEvent } from '../../../../hub/bus.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { startMoto, type Moto } from '../../integrations/clouds/moto.js';

/** The reconciler's state is hub.db: a VM left pending by a stopped hub is followed to running by the next one. */
describe('skyclust VMs across a hub restart', () => {
  let moto: Moto;
  let first: ApiHub | null = null;
  let second: ApiHub | null = null;

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await moto?.stop();
  });

  // Two hub starts and stops in one test: longer than the default limit on a loaded machine.
  it('resumes following a pending VM after the restart', { timeout: 120_000 }, async () => {
    // The first hub's reconciler waits an hour: the VM stays pending in hub.db when it stops.
    first = await startApiHub({ clouds: { aws: { endpoint: moto.endpoint }, reconcileInterval: '1h' } });
    const ann = await first.addUser('ann', 'user');
    const post = (h: ApiHub, path: string, body: unknown) => h.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user: ann });
    const ws = (await (await post(first, '/api/v1/workspaces', { name: 'a' })).json()).data.id;
    expect((await post(first, '/api/v1/credentials', { name: 'k', provider: 'aws', data: { access_key: 'AKIAEXAMPLEKEY000001', secret_key: 'restart-secret-0123456789', region: 'us-east-1' }, workspace_id: ws })).status).toBe(201);
    const vm = (await (await post(first, '/api/v1/vms', { name: 'survivor', provider: 'aws', instance_type: 't3.micro', region: 'us-east-1', workspace_id: ws, image_id: 'ami-12c6146b' })).json()).data;
    expect(vm.status).toBe('pending');
    const dataDir = first.dataDir;
    await first.close();
    first = null;

    second = await startApiHub({ dataDir, clouds: { aws: { endpoint: moto.endpoint }, reconcileInterval: '100ms' } });
    const running = await new Promise<VmStatusEvent>((resolve) => {
      const on = (e: VmStatusEvent) => {
        if (e.vmId === vm.id && e.status === 'running') resolve(e);
      };
      second!.hub.bus.on('vm-status-changed', on);
      // Already followed before the listener was added: read the record.
      const row = second!.db.prepare('SELECT status FROM cloud_vms WHERE id = ?').get(vm.id) as { status: string };
      if (row.status === 'running') resolve({ vmId: vm.id, name: vm.name, workspaceId: ws, status: 'running', previous: 'pending', ts: Date.now() });
    });
    expect(running.previous).toBe('pending');
    const got = (await (await second.request(`/api/v1/vms/${vm.id}`, { user: ann })).json()).data;
    expect(got).toMatchObject({ id: vm.id, status: 'running', instance_id: vm.instance_id });
  });
});
