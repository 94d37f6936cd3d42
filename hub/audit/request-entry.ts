import type { AuditEntry } from './audit-log.js';

/** Methods that change something: every such request is audited. */
export const MUTATING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const ACTIONS: Readonly<Record<string, string>> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/** Leading segments that only place an API (`/api/v1`, `/api2/json`), not name a resource. */
const PREFIX_SEGMENT = /^(api\d*|v\d+(\.\d+)?|json)$/;

/** Longest user agent kept; browsers send ~150 characters, anything longer is padding. */
const MAX_USER_AGENT = 512;

/** What a handler adds to its request's audit record (the id it created, the user that logged in, ...). */
export interface AuditNote {
  resourceId?: string;
  userId?: number;
  username?: string;
  details?: Record<string, unknown>;
}

/** A route's own naming for the audit log (`{action: 'login', resource: 'auth'}`), overriding what its method and path imply. */
export interface RouteAudit {
  action?: string;
  resource?: string;
}

/** `workspaces` -> `workspace`, `api-keys` -> `api_key`, `policies` -> `policy`. */
function singular(segment: string): string {
  const s = segment.replaceAll('-', '_').toLowerCase();
  if (s.endsWith('ies')) return `${s.slice(0, -3)}y`;
  if (s.endsWith('s') && !s.endsWith('ss') && !s.endsWith('us')) return s.slice(0, -1);
  return s;
}

/**
 * Resource and id of a route: the first path segment after the API prefix,
 * singular, and the value of the route's first parameter.
 * `/api/v1/workspaces/:id/members/:user_id` -> `workspace`, params.id.
 */
export function resourceOf(routeUrl: string, params: Record<string, unknown>): { resource: string; resourceId: string | null } {
  const segments = routeUrl.split('/').filter(Boolean);
  const start = segments.findIndex((s) => !PREFIX_SEGMENT.test(s));
  const rest = start < 0 ? [] : segments.slice(start);
  const name = rest.find((s) => !s.startsWith(':'));
  const firstParam = rest.find((s) => s.startsWith(':'))?.slice(1);
  const id = firstParam === undefined ? undefined : params[firstParam];
  return { resource: name ? singular(name) : 'root', resourceId: id === undefined || id === null ? null : String(id) };
}

export interface AuditedRequest {
  method: string;
  /** The matched route pattern with its prefix (`/api/v1/workspaces/:id`). */
  routeUrl: string;
  params: Record<string, unknown>;
  statusCode: number;
  user: { userId: number; username: string } | null;
  ip: string | null;
  userAgent: string | null;
  route: RouteAudit | undefined;
  note: AuditNote | null;
}

/** The audit record of a finished mutating request (pure: the hook does the I/O). */
export function entryFor(r: AuditedRequest): AuditEntry {
  const { resource, resourceId } = resourceOf(r.routeUrl, r.params);
  return {
    userId: r.note?.userId ?? r.user?.userId ?? null,
    username: r.note?.username ?? r.user?.username ?? null,
    action: r.route?.action ?? ACTIONS[r.method] ?? r.method.toLowerCase(),
    resource: r.route?.resource ?? resource,
    resourceId: r.note?.resourceId ?? resourceId,
    success: r.statusCode < 400,
    ip: r.ip,
    userAgent: r.userAgent === null ? null : r.userAgent.slice(0, MAX_USER_AGENT),
    details: { method: r.method, route: r.routeUrl, status: r.statusCode, ...r.note?.details },
  };
}
