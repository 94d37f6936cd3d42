import { tenantManifest, type KubeObject } from './manifest.js';
import { DEFAULT_SLA, parseAvailability, parseResponseTime, sizeTenant, type Sla, type Sizing } from './sizing.js';
import type { Tenant } from './tenant-store.js';

/** A stored tenant's SLA (stored texts were validated on the way in). */
export const slaOf = (t: Tenant): Sla => ({ availabilityPercent: parseAvailability(t.slaAvailability) ?? DEFAULT_SLA.availabilityPercent, responseMs: parseResponseTime(t.slaResponseTime) ?? DEFAULT_SLA.responseMs });

/** A tenant's sizing, with its own preset (which may be larger than its channels' band). */
export const sizingOf = (t: Tenant): Sizing => ({ ...sizeTenant(t.requirements, slaOf(t)), preset: t.preset });

/** A tenant's objects in apply order (monitoring on, ingress off unless asked). */
export const manifestOf = (t: Tenant, opts: { namespace?: string; includeMonitoring?: boolean; includeIngress?: boolean } = {}): KubeObject[] =>
  tenantManifest({
    tenantId: t.tenantId,
    preset: t.preset,
    namespace: opts.namespace ?? t.namespace,
    sizing: sizingOf(t),
    includeMonitoring: opts.includeMonitoring ?? true,
    includeIngress: opts.includeIngress ?? false,
  });
