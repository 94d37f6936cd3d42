import { describe, expect, it } from 'vitest';
import { NotificationLimiter } from '../../../hub/notifications/notification-limiter.js';
import type { NotificationDraft } from '../../../hub/notifications/notification-store.js';

const draft = (node: string | null, subject: string, category: NotificationDraft['category'] = 'bmc_sensor_critical'): NotificationDraft => ({
  type: 'error',
  priority: 'high',
  category,
  title: `sensor ${subject}`,
  message: '',
  node,
  cluster: 'lab',
  data: {},
  subject,
});

function limiter(perNodeAndKind = 3) {
  const clock = { t: 1_000_000 };
  return { clock, l: new NotificationLimiter({ repeatAfterMs: 60_000, perNodeAndKind, windowMs: 600_000 }, () => clock.t) };
}

describe('notification limiter', () => {
  it('passes the same (node, category, subject) once per repeatAfter', () => {
    const { clock, l } = limiter();
    expect(l.filter([draft('n1', 's1'), draft('n1', 's1')])).toEqual([draft('n1', 's1')]);
    clock.t += 59_999;
    expect(l.filter([draft('n1', 's1')])).toEqual([]);
    // Another node, category or subject is another notification.
    expect(l.filter([draft('n2', 's1'), draft('n1', 's1', 'collector_error'), draft('n1', 's2')])).toHaveLength(3);
    clock.t += 1;
    expect(l.filter([draft('n1', 's1')])).toEqual([draft('n1', 's1')]);
    expect(l.suppressed).toBe(2);
  });

  it('caps a node and category at perNodeAndKind a window with one summary; 5 000 sensors make 4 notifications', () => {
    const { clock, l } = limiter(3);
    const out = l.filter(Array.from({ length: 5000 }, (_, i) => draft('n1', `s${i}`)));
    expect(out.map((d) => d.category)).toEqual(['bmc_sensor_critical', 'bmc_sensor_critical', 'bmc_sensor_critical', 'notifications_suppressed']);
    expect(out[3]).toMatchObject({ node: 'n1', title: 'More bmc_sensor_critical notifications for node n1 suppressed', data: { category: 'bmc_sensor_critical' } });
    expect(l.suppressed).toBe(4997);
    expect(l.filter([draft('n1', 'later')])).toEqual([]);
    // The other node keeps its own budget; the window's end restores this one.
    expect(l.filter([draft('n2', 's0')])).toHaveLength(1);
    clock.t += 600_000;
    expect(l.filter([draft('n1', 'later')])).toEqual([draft('n1', 'later')]);
  });
});
