import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThresholdEvent } from '../../../../hub/bus.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';

interface Item {
  id: string;
  title: string;
  type: string;
  priority: string;
  category: string;
  node: string | null;
  cluster: string | null;
  is_read: boolean;
  data: Record<string, unknown>;
}

const source = (errors: number) => ({ ipmi: { enabled: true, reason: 'ipmitool timed out after 10s', lastSampleTs: null, errors } });

describe('skyclust notifications (generated from hub events)', () => {
  let h: ApiHub;
  let node: TestNode;
  let ada: [string, string];
  let ann: [string, string];
  const list = async (query = '', user?: [string, string]) => (await h.json(`/api/v1/notifications${query}`, user ? { user } : {})).data as { notifications: Item[]; pagination: Record<string, unknown>; unread_count: number };
  const put = (path: string, user?: [string, string]) => h.request(path, { method: 'PUT', ...(user ? { user } : {}) });
  const count = () => (h.db.prepare('SELECT count(*) AS n FROM notifications').get() as { n: number }).n;

  beforeAll(async () => {
    h = await startApiHub();
    ada = await h.addUser('ada', 'admin');
    ann = await h.addUser('ann', 'user');
    node = await h.addNode('gpu-07', 'lab');
  });
  afterAll(() => h.close());

  it('notifies every admin when a node goes offline, and nobody else', async () => {
    await h.publishStatus(node, { state: 'online', sources: source(0) });
    expect(count()).toBe(0);
    await h.publishStatus(node, { state: 'offline', sources: source(0) });
    for (const user of [undefined, ada]) {
      const { notifications } = await list('', user);
      expect(notifications).toHaveLength(1);
      expect(notifications[0]).toMatchObject({ category: 'node_offline', type: 'error', priority: 'high', node: 'gpu-07', cluster: 'lab', is_read: false });
      expect(notifications[0]!.title).toContain('gpu-07');
    }
    expect((await list('', ann)).notifications).toEqual([]);
  });

  it('notifies on a threshold-exceeded bus event with its values', async () => {
    const e: ThresholdEvent = { scope: 'cluster', name: 'lab', metric: 'total_power_watts', currentValue: 5321.5, threshold: 5000, severity: 'critical', message: 'cluster lab draws 5321.5 W, above 5000 W', ts: Date.now() };
    h.hub.bus.emit('threshold-exceeded', e);
    const { notifications } = await list('?type=error&priority=critical');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ category: 'threshold_exceeded', cluster: 'lab', data: { current_value: 5321.5, threshold: 5000, metric: 'total_power_watts', severity: 'critical' } });
  });

  it('notifies when a BMC sensor reports critical (ipmi_sensor_state 2) and when a collector keeps failing', async () => {
    await h.publishTelemetry(node, [{ metric: 'ipmi_sensor_state', labels: { sensor: 'CPU1 Temp', id: '0Eh' }, value: 0 }]);
    expect((await list('?category=bmc_sensor_critical')).notifications).toEqual([]);
    await h.publishTelemetry(node, [{ metric: 'ipmi_sensor_state', labels: { sensor: 'CPU1 Temp', id: '0Eh' }, value: 2 }]);
    const bmc = (await list('?category=bmc_sensor_critical')).notifications;
    expect(bmc).toHaveLength(1);
    expect(bmc[0]).toMatchObject({ node: 'gpu-07', data: { sensor: 'CPU1 Temp', sensor_id: '0Eh', state: 2 } });
    await h.publishStatus(node, { state: 'online', sources: source(3) });
    const failing = (await list('?category=collector_error')).notifications;
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({ node: 'gpu-07', data: { source: 'ipmi', errors: 3, new_errors: 3, reason: 'ipmitool timed out after 10s' } });
  });

  it('paginates, filters with repeated values and sorts by priority', async () => {
    const all = await list('?limit=2');
    expect(all.pagination).toEqual({ limit: 2, offset: 0, total: 5, has_next: true, has_prev: false });
    const two = await list('?category=node_offline&category=node_online');
    expect(two.notifications.map((n) => n.category).sort()).toEqual(['node_offline', 'node_online']);
    const byPriority = await list('?sort=priority:desc&limit=1');
    expect(byPriority.notifications[0]!.priority).toBe('critical');
  });

  it('marks read per user: one, then all', async () => {
    const [first] = (await list()).notifications;
    const adasFirst = (await list('', ada)).notifications[0]!;
    expect((await put(`/api/v1/notifications/${adasFirst.id}/read`)).status).toBe(404);
    expect((await put(`/api/v1/notifications/${first!.id}/read`)).status).toBe(200);
    const after = await list('?unread_only=true');
    expect(after.notifications.map((n) => n.id)).not.toContain(first!.id);
    expect(after.unread_count).toBe(4);
    expect((await list('?unread_only=true', ada)).pagination.total).toBe(5);
    const all = await put('/api/v1/notifications/read-all');
    expect(all.status).toBe(200);
    expect((await all.json()).data.marked).toBe(4);
    expect((await list('?unread_only=true')).notifications).toEqual([]);
    expect((await list('?unread_only=true', ada)).pagination.total).toBe(5);
  });

  it('refuses bad and injected filter values with 400 naming them, changing nothing', async () => {
    const before = (h.db.prepare('SELECT count(*) AS n, sum(is_read) AS r FROM notifications').get() as { n: number; r: number });
    for (const [q, param] of [
      ["type=info'%20OR%20'1'%3D'1", 'type.0'],
      ['priority=urgent', 'priority.0'],
      ['category=x%3B%20DELETE%20FROM%20notifications', 'category.0'],
      ['unread_only=maybe', 'unread_only'],
      ['sort=created_at%3Bdrop', 'sort'],
      [`sort=${'a'.repeat(300)}`, 'sort'],
      ['limit=1000', 'limit'],
    ] as const) {
      const res = await h.request(`/api/v1/notifications?${q}`);
      expect(res.status, q).toBe(400);
      expect((await res.json()).data.parameter, q).toBe(param);
    }
    expect((await put("/api/v1/notifications/1'%20OR%201=1/read")).status).toBe(400);
    expect(h.db.prepare('SELECT count(*) AS n, sum(is_read) AS r FROM notifications').get()).toEqual(before);
  });
});
