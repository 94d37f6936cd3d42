import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePve } from '../../../fakes/proxmox/server.js';
import type { ApiHub } from '../../../helpers/api.js';
import { json, startManagerHub, waitTask, webServer } from './pve-helpers.js';

describe('a server manager task across a hub restart', () => {
  let fake: FakePve;
  let hub: ApiHub | undefined;
  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0 });
  });
  afterAll(async () => {
    await hub?.close();
    await fake?.close();
  });

  it('re-attaches to the running PVE clone by its UPID (no second clone) and finishes the creation', async () => {
    const first = await startManagerHub(fake);
    fake.holdTasks = true;
    const res = await first.request('/api/servers/create', { method: 'POST', headers: json, body: JSON.stringify(webServer('survivor', '192.168.0.70')) });
    const { task_id } = await res.json();
    // The clone is running on PVE and its UPID is stored.
    const upidOf = () => (first.db.prepare('SELECT upid FROM pve_tasks WHERE id = ?').get(task_id) as { upid: string | null }).upid;
    const running = await waitTask(first, task_id, (t) => t.step === 'clone' && upidOf() !== null);
    expect(running.at(-1)).toMatchObject({ status: 'running', progress: 10 });
    const upid = upidOf();
    await first.close();
    // The hub stopping left the task as it was, not failed.
    expect(fake.calls('POST', /\/clone$/)).toHaveLength(1);

    const pollsBefore = fake.calls('GET', /\/tasks\/[^/]+\/status$/).filter((r) => decodeURIComponent(r.path) === `/nodes/pve1/tasks/${upid}/status`).length;
    fake.releaseTasks();
    hub = await startManagerHub(fake, first.dataDir);
    const last = (await waitTask(hub, task_id)).at(-1)!;
    expect(last).toMatchObject({ status: 'completed', progress: 100, error: null });
    expect(fake.calls('POST', /\/clone$/)).toHaveLength(1);
    // The new hub polled the clone task the first one started.
    const polls = () => fake.calls('GET', /\/tasks\/[^/]+\/status$/).filter((r) => decodeURIComponent(r.path) === `/nodes/pve1/tasks/${upid}/status`).length;
    expect(polls()).toBeGreaterThan(pollsBefore);
    expect(fake.vms.get(Number(fake.calls('POST', /\/clone$/)[0]!.params.newid))).toMatchObject({ name: 'survivor', status: 'running' });
    expect((await hub.json('/api/servers')).servers).toEqual([expect.objectContaining({ name: 'survivor', status: 'running' })]);
  }, 60_000); // two hubs start in this test
});
