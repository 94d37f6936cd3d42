import type { Role } from '../../identity/users.js';
import type { ApiPrincipal } from './principal.js';

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

/**
 * What a route declares: a permission, `authenticated` (any signed-in user,
 * e.g. their own profile), `credentials` (a signed-in user managing their
 * own credentials: API keys, password; with a password, token or session,
 * never an API key) or `public`.
 */
export const ACCESS_LEVELS = ['authenticated', 'credentials', 'public'] as const;
export type RouteAccess = Permission | (typeof ACCESS_LEVELS)[number];

/** Roles as in skyclust-api.md: admin everything, user works with the fleet, viewer only reads. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(PERMISSIONS),
  user: new Set<Permission>(['system:read', 'workspace:manage', 'metrics:read', 'infra:manage']),
  viewer: new Set<Permission>(['system:read', 'metrics:read']),
};

export function roleAllows(role: Role, access: RouteAccess): boolean {
  if (access === 'public' || access === 'authenticated' || access === 'credentials') return true;
  return ROLE_PERMISSIONS[role].has(access);
}

/**
 * Whether the credential a request came with may use a route its role
 * allows. An API key reaches the permissions of its scopes (its owner's
 * whole role when it has none) and the caller's own things, but manages no
 * credentials: a leaked key must not list, revoke or mint keys (a minted
 * key would outlive the leaked one's revocation) nor change the password.
 */
export function credentialAllows(principal: Pick<ApiPrincipal, 'via' | 'scopes'>, access: RouteAccess): boolean {
  if (access === 'credentials') return principal.via !== 'api_key';
  if (principal.scopes === null || access === 'public' || access === 'authenticated') return true;
  return principal.scopes.has(access);
}
