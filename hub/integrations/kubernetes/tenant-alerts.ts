import { randomBytes } from 'node:crypto';
import type { EcpConfig } from './ecp-config.js';

export type Thresholds = EcpConfig['monitoring']['alertThresholds'];
type Level = 'ok' | 'warning' | 'critical';
const RANK: Record<Level, number> = { ok: 0, warning: 1, critical: 2 };

/** The seed's alert (ecp-ai-orchestrator-api.md, "알림 스트림"). */
export interface TenantAlert {
  alert_id: string;
  tenant_id: string;
  severity: 'warning' | 'critical';
  type: 'resource_usage';
  message: string;
  metric: string;
  current_value: number;
  threshold: number;
  timestamp: string;
}

const LABEL: Record<string, [string, string]> = {
  cpu: ['CPU usage', '%'],
  memory: ['memory usage', '%'],
  gpu: ['GPU usage', '%'],
  error_rate: ['error rate', ''],
  response_time: ['response time', ' ms'],
  gpu_utilization: ['measured GPU utilisation', '%'],
  gpu_power_watts: ['measured GPU power', ' W'],
};

/**
 * Threshold alerts on tenants' metrics, posted or measured. An alert is raised when a
 * metric enters a higher level (ok -> warning, ok or warning -> critical);
 * staying there raises nothing more, and falling back to ok re-arms it, so
 * a client is told of each crossing once. The state is one level per
 * tenant and metric with a threshold, forgotten with the tenant.
 */
export class TenantAlerts {
  private readonly levels = new Map<string, Map<string, { level: Level; alert: TenantAlert }>>();

  constructor(private readonly thresholds: Thresholds) {}

  /** The alerts that `values` (posted, or measured, at `ts`) raise. */
  observe(tenantId: string, values: Record<string, number>, ts: number): TenantAlert[] {
    const raised: TenantAlert[] = [];
    for (const [metric, value] of Object.entries(values)) {
      const t = this.thresholds[metric as keyof Thresholds];
      if (!t) continue;
      const level: Level = value > t.critical ? 'critical' : value > t.warning ? 'warning' : 'ok';
      let states = this.levels.get(tenantId);
      if (level === 'ok') {
        states?.delete(metric);
        continue;
      }
      const before = states?.get(metric);
      if (before && RANK[level] <= RANK[before.level]) {
        // Still above (or down from critical to warning): the client was told already; a rise to critical again is told again.
        before.level = level;
        continue;
      }
      if (!states) this.levels.set(tenantId, (states = new Map()));
      const threshold = level === 'critical' ? t.critical : t.warning;
      const [name, unit] = LABEL[metric] ?? [metric, ''];
      const alert: TenantAlert = {
        alert_id: `alert-${randomBytes(6).toString('hex')}`,
        tenant_id: tenantId,
        severity: level,
        type: 'resource_usage',
        message: `${name} ${value}${unit} is above the ${level} threshold ${threshold}${unit}`,
        metric,
        current_value: value,
        threshold,
        timestamp: new Date(ts).toISOString(),
      };
      states.set(metric, { level, alert });
      raised.push(alert);
    }
    return raised;
  }

  /** The tenant's alerts whose metric is still above its threshold (sent to a client when it connects). */
  active(tenantId: string): TenantAlert[] {
    return [...(this.levels.get(tenantId)?.values() ?? [])].map((s) => s.alert);
  }

  forget(tenantId: string): void {
    this.levels.delete(tenantId);
  }
}
