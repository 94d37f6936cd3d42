import type { Role } from '../../identity/users.js';

/**
 * Permissions a route can require. The first eight are skyclust-api.md's;
 * `metrics:read` covers the monitoring API's reads (GPUs, nodes, power,
 * exports, streams) and `infra:manage` the management calls later issues add
 * (Proxmox, Kubernetes, clouds).
 */
export const PERMISSIONS = [
  'user:create',
  'user:read',
  'user:update',
  'user:delete',
  'system:read',
  'system:manage',
  'audit:read',
  'workspace:manage',
  'metrics:read',
  'infra:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a route declares: a permission, `authenticated` (any signed-in user, e.g. their own profile), or `public`. */
export type RouteAccess = Permission | 'authenticated' | 'public';

/** Roles as in skyclust-api.md: admin everything, user works with the fleet, viewer only reads. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(PERMISSIONS),
  user: new Set<Permission>(['system:read', 'workspace:manage', 'metrics:read', 'infra:manage']),
  viewer: new Set<Permission>(['system:read', 'metrics:read']),
};

export function roleAllows(role: Role, access: RouteAccess): boolean {
  if (access === 'public' || access === 'authenticated') return true;
  return ROLE_PERMISSIONS[role].has(access);
}
