import type { TenantAlert, TenantAlerts } from '../../integrations/kubernetes/tenant-alerts.js';
import type { EcpSession } from './ws-session.js';

/** Subscribers of each tenant's alerts. */
export type AlertSubscribers = Map<string, Set<(alert: TenantAlert) => void>>;

/**
 * /ws/alerts/{tenant_id}: the tenant's active alerts (metrics still above
 * a threshold) at once, then each alert as a post or a measured value
 * (GPU utilisation or power of the tenant's pods, from the agents) raises it, in the seed's
 * shape `{alert_id, tenant_id, severity, type, message, metric,
 * current_value, threshold, timestamp}`.
 */
export function alertsSocket(session: EcpSession, tenantId: string, alerts: TenantAlerts, subscribers: AlertSubscribers): void {
  const deliver = (alert: TenantAlert) => session.send(alert);
  let set = subscribers.get(tenantId);
  if (!set) subscribers.set(tenantId, (set = new Set()));
  set.add(deliver);
  session.onEnd(() => {
    set.delete(deliver);
    if (set.size === 0) subscribers.delete(tenantId);
  });
  for (const a of alerts.active(tenantId)) deliver(a);
}
