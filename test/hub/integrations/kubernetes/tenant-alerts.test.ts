import { describe, expect, it } from 'vitest';
import { TenantAlerts } from '../../../../hub/integrations/kubernetes/tenant-alerts.js';

const ts = Date.parse('2024-01-20T14:30:00Z');

describe('TenantAlerts: one alert per threshold crossing, per tenant and metric', () => {
  it("raises the seed's alert when a value enters warning, again on critical, nothing while it stays, re-armed below warning", () => {
    const a = new TenantAlerts({ cpu: { warning: 80, critical: 95 } });
    expect(a.observe('t', { cpu: 79.9 }, ts)).toEqual([]);
    const [warning] = a.observe('t', { cpu: 85.2 }, ts);
    expect(warning).toEqual({
      alert_id: expect.stringMatching(/^alert-[0-9a-f]{12}$/),
      tenant_id: 't',
      severity: 'warning',
      type: 'resource_usage',
      message: 'CPU usage 85.2% is above the warning threshold 80%',
      metric: 'cpu',
      current_value: 85.2,
      threshold: 80,
      timestamp: '2024-01-20T14:30:00.000Z',
    });
    expect(a.observe('t', { cpu: 90 }, ts)).toEqual([]);
    expect(a.observe('t', { cpu: 96 }, ts)).toMatchObject([{ severity: 'critical', threshold: 95 }]);
    // Down to warning: told already; up to critical again: told again.
    expect(a.observe('t', { cpu: 85 }, ts)).toEqual([]);
    expect(a.observe('t', { cpu: 99 }, ts)).toMatchObject([{ severity: 'critical', current_value: 99 }]);
    expect(a.active('t')).toMatchObject([{ severity: 'critical', current_value: 99 }]);
    expect(a.observe('t', { cpu: 10 }, ts)).toEqual([]);
    expect(a.active('t')).toEqual([]);
    expect(a.observe('t', { cpu: 81 }, ts)).toMatchObject([{ severity: 'warning' }]);
  });

  it('keeps tenants and metrics apart, ignores metrics without a threshold, forgets a deleted tenant', () => {
    const a = new TenantAlerts({ cpu: { warning: 80, critical: 95 }, error_rate: { warning: 0.05, critical: 0.1 } });
    expect(a.observe('t1', { cpu: 90, memory: 100, error_rate: 0.2 }, ts).map((x) => `${x.metric}:${x.severity}`)).toEqual(['cpu:warning', 'error_rate:critical']);
    expect(a.observe('t2', { cpu: 90 }, ts)).toHaveLength(1);
    a.forget('t1');
    expect(a.active('t1')).toEqual([]);
    expect(a.active('t2')).toHaveLength(1);
    expect(a.observe('t1', { cpu: 90 }, ts)).toHaveLength(1);
  });
});
