import { parseDuration } from '../../../shared/duration.js';
import { METRIC_KEYS, METRIC_TYPES, type MetricKey } from '../../integrations/kubernetes/tenant-metrics.js';
import { latestTenantValues } from '../../integrations/kubernetes/tenant-monitoring.js';
import type { TenantStore } from '../../integrations/kubernetes/tenant-store.js';
import type { ApiDeps } from '../deps.js';
import { tenantPods } from './tenant-pods.js';
import { errorFrame, type EcpSession } from './ws-session.js';

/** Longest push interval (ms): an hour, as the power stream's. */
const MAX_INTERVAL_MS = 3_600_000;

type Subscription = { keys: MetricKey[]; intervalMs: number };

/** The keys a subscribe names: answer keys, or the seed's metric types (`network` = network_in and network_out); null with the bad name. */
function keysOf(names: unknown): MetricKey[] | { bad: string } {
  if (!Array.isArray(names) || names.length === 0 || names.length > 32) return { bad: 'metrics must be a list of 1 to 32 names' };
  const keys = new Set<MetricKey>();
  for (const n of names) {
    if (typeof n !== 'string') return { bad: 'metrics must be names' };
    if ((METRIC_KEYS as string[]).includes(n)) keys.add(n as MetricKey);
    else if (n in METRIC_TYPES) for (const k of METRIC_TYPES[n as keyof typeof METRIC_TYPES]) keys.add(k);
    else return { bad: `unknown metric "${n.slice(0, 40)}" (one of ${[...Object.keys(METRIC_TYPES), ...METRIC_KEYS].filter((v, i, a) => a.indexOf(v) === i).join(', ')})` };
  }
  return [...keys];
}

/**
 * /ws/monitoring/{tenant_id}: after `{"action": "subscribe", "metrics":
 * [...], "interval": ms}` the tenant's newest values at once, then every
 * `interval` ms (at least ecp.monitoring.minPushInterval): `{timestamp,
 * tenant_id, metrics: {cpu: 65.5, ...}, sources, unavailable, simulated}`.
 * A new subscribe replaces the previous one; `{"action": "unsubscribe"}`
 * stops the pushes.
 */
export function monitoringSocket(session: EcpSession, tenantId: string, deps: ApiDeps, tenants: TenantStore): void {
  const cfg = deps.config.ecp.monitoring;
  const minIntervalMs = parseDuration(cfg.minPushInterval);
  const staleMs = parseDuration(cfg.staleAfter);
  let timer: NodeJS.Timeout | null = null;
  let lastPush = 0;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  session.onEnd(stop);

  const push = (sub: Subscription) => {
    const tenant = tenants.get(tenantId);
    if (!tenant) {
      session.send(errorFrame('TENANT_NOT_FOUND', `tenant ${tenantId} no longer exists`, { tenant_id: tenantId }));
      return session.close(1000, 'tenant deleted');
    }
    const now = Date.now();
    lastPush = now;
    const { values, sources, unavailable } = latestTenantValues(deps.tsdb, tenant, sub.keys, now, staleMs, tenantPods(deps, tenant));
    session.send({ timestamp: new Date(now).toISOString(), tenant_id: tenantId, metrics: values, sources, unavailable, simulated: Object.values(sources).includes('simulated') });
    timer = setTimeout(() => push(sub), sub.intervalMs);
  };

  session.onMessage((msg) => {
    if (msg.action === 'unsubscribe') {
      stop();
      return session.send({ action: 'unsubscribed' });
    }
    if (msg.action !== 'subscribe') return session.send(errorFrame('VALIDATION_ERROR', 'action: subscribe or unsubscribe', { field: 'action' }));
    const keys = keysOf(msg.metrics);
    if (!Array.isArray(keys)) return session.send(errorFrame('VALIDATION_ERROR', `metrics: ${keys.bad}`, { field: 'metrics' }));
    const interval = msg.interval ?? 5000;
    if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < minIntervalMs || interval > MAX_INTERVAL_MS) {
      return session.send(errorFrame('VALIDATION_ERROR', `interval: whole milliseconds from ${minIntervalMs} to ${MAX_INTERVAL_MS}`, { field: 'interval', min: minIntervalMs, max: MAX_INTERVAL_MS }));
    }
    stop();
    const sub = { keys, intervalMs: interval };
    session.send({ action: 'subscribed', tenant_id: tenantId, metrics: keys, interval });
    // Re-subscribing cannot push faster than the minimum interval.
    timer = setTimeout(() => push(sub), Math.max(0, lastPush + minIntervalMs - Date.now()));
  });
}
