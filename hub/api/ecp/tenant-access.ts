import type { ApiPrincipal } from '../auth/principal.js';
import type { Tenant } from '../../integrations/kubernetes/tenant-store.js';
import { EcpError } from './errors.js';

/** Whether a principal may see a tenant's monitoring: admins every tenant, others the tenants they created. */
export const mayWatchTenant = (principal: ApiPrincipal, tenant: Pick<Tenant, 'createdBy'>): boolean => principal.role === 'admin' || (tenant.createdBy !== null && tenant.createdBy === principal.userId);

/** 403 FORBIDDEN unless the principal may see the tenant's monitoring (its metrics, alerts and deployments). */
export function requireTenantAccess(principal: ApiPrincipal, tenant: Pick<Tenant, 'tenantId' | 'createdBy'>): void {
  if (!mayWatchTenant(principal, tenant)) {
    throw new EcpError(403, 'FORBIDDEN', `tenant ${tenant.tenantId} belongs to another user: only its creator and admins may see or post its monitoring`, { tenant_id: tenant.tenantId });
  }
}
