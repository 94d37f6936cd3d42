import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { AuditRecord } from '../../audit/audit-log.js';
import type { CostUpdatedEvent, VmStatusEvent } from '../../bus.js';
import { cents } from '../../integrations/clouds/cost-analysis.js';
import { revocationsOf } from '../../identity/revocations.js';
import type { Notification } from '../../notifications/notification-store.js';
import { closeReason, LiveAuthorization, wsCloseCode } from '../../streams/live-authorization.js';
import { authenticate, authorize } from '../auth/plugin.js';
import type { ApiPrincipal } from '../auth/principal.js';
import type { ApiDeps } from '../deps.js';
import { toApiError } from '../errors.js';
import type { Api, RouteModule } from '../types.js';
import { renderAuditRecord } from './audit-logs.js';
import { renderNotification } from './notifications.js';

/** RFC 6455 7.4.1: 1008 policy violation (no or wrong credentials), 1013 try again later (client reads too slowly). */
const POLICY_VIOLATION = 1008;
const TRY_AGAIN_LATER = 1013;
/** A client that leaves this much unread is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const MAX_TOKEN_LENGTH = 8192;

export interface WsOptions {
  path: string;
  /** The first message must authenticate within this, or the socket is closed. */
  authTimeoutMs: number;
}

/**
 * The token of an `auth` message as an Authorization header: a bare token
 * is a Bearer token (the seed's JWT, or an API key, which the API key
 * resolver takes as a non-JWT Bearer); `Basic ...`/`Bearer ...` pass as given.
 */
function authorizationOf(token: string): string {
  return /^(basic|bearer) /i.test(token) ? token : `Bearer ${token}`;
}

/** The upgrade request seen with the token's Authorization header, so every resolver (JWT, API key, session, Basic) can judge it. */
function withAuthorization(request: FastifyRequest, authorization: string): FastifyRequest {
  return Object.create(request, { headers: { value: { ...request.headers, authorization } } }) as FastifyRequest;
}

function may(principal: ApiPrincipal, permission: 'audit:read'): boolean {
  try {
    authorize(principal, permission);
    return true;
  } catch {
    return false;
  }
}

const event = (type: string, data: Record<string, unknown>) => JSON.stringify({ type, data: { ...data, timestamp: new Date().toISOString() } });

/**
 * The credential an `auth` message names: its token, or (no `token` key)
 * the upgrade request's own, which is how a browser's console signs in
 * with its HttpOnly session cookie (the authenticator refuses it from
 * another site's page, as on every route). null: not an auth message.
 */
function parseAuth(raw: string): { token: string | null } | null {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const { type, token } = msg as { type?: unknown; token?: unknown };
  if (type !== 'auth') return null;
  if (token === undefined) return { token: null };
  return typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN_LENGTH ? { token } : null;
}

/**
 * skyclust-api's WebSocket: the upgrade is public (browsers cannot send
 * headers on it); the first message `{"type":"auth","token":...}` (or
 * `{"type":"auth"}`: the upgrade's session cookie) must authenticate within
 * `authTimeoutMs`, else the socket closes with 1008.
 * Then the user receives `notification_received` for their notifications
 * and, with audit:read, `audit_log_created` for every audit record, for as
 * long as the credential stands: revoked (logout, removed or disabled user,
 * new password, revoked key) the socket gets an `error` event and closes with
 * 4001; an audit reader demoted below audit:read, with 4003
 * (hub/streams/live-authorization.ts).
 */
export function registerWs(app: Api, deps: ApiDeps, opts: WsOptions): void {
  app.get(opts.path, { websocket: true, config: { access: 'public' }, schema: { tags: ['websocket'], summary: 'Live events (auth by first message)' } }, (socket: WebSocket, request) => {
    let principal: ApiPrincipal | null = null;
    let authenticating = false;
    const cleanup: (() => void)[] = [];
    const send = (text: string) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.close(TRY_AGAIN_LATER, 'client too slow');
      else socket.send(text);
    };
    const refuse = (reason: string) => {
      send(event('error', { code: 'UNAUTHORIZED', message: reason }));
      socket.close(POLICY_VIOLATION, reason);
    };
    const timer = setTimeout(() => refuse('authentication timed out'), opts.authTimeoutMs);
    cleanup.push(() => clearTimeout(timer));

    const subscribe = (who: ApiPrincipal, reauthenticate: () => Promise<ApiPrincipal>) => {
      const audits = may(who, 'audit:read');
      const live = new LiveAuthorization({
        revocations: revocationsOf(deps.db),
        principal: who,
        reauthenticate,
        permission: audits ? 'audit:read' : 'authenticated',
        end: (err) => {
          send(event('error', { code: err.code, message: err.message }));
          socket.close(wsCloseCode(err), closeReason(err.message));
        },
      });
      cleanup.push(() => live.close());
      const onNotification = (n: Notification) => {
        if (n.userId === who.userId) live.deliver(() => send(event('notification_received', renderNotification(n))));
      };
      deps.notifications.on('notification', onNotification);
      cleanup.push(() => deps.notifications.off('notification', onNotification));
      // Cloud VMs: only to admins and members of the VM's workspace, checked at each event (membership changes).
      const onVm = (e: VmStatusEvent) => {
        if (who.role !== 'admin' && deps.workspaces.roleOf(e.workspaceId, who.userId) === null) return;
        live.deliver(() => send(event('vm_status_changed', { vm_id: e.vmId, workspace_id: e.workspaceId, status: e.status, previous_status: e.previous })));
      };
      deps.bus.on('vm-status-changed', onVm);
      cleanup.push(() => deps.bus.off('vm-status-changed', onVm));
      // A workspace's cloud cost changed at its provider: the same audience as its VMs.
      const onCost = (e: CostUpdatedEvent) => {
        if (who.role !== 'admin' && deps.workspaces.roleOf(e.workspaceId, who.userId) === null) return;
        live.deliver(() =>
          send(event('cost_updated', { workspace_id: e.workspaceId, provider: e.provider, start_date: e.start, end_date: e.end, total_cost: cents(e.total), previous_total_cost: cents(e.previous), currency: e.currency })),
        );
      };
      deps.bus.on('cost-updated', onCost);
      cleanup.push(() => deps.bus.off('cost-updated', onCost));
      if (audits) {
        const onAudit = (r: AuditRecord) => live.deliver(() => send(event('audit_log_created', renderAuditRecord(r))));
        deps.audit.on('record', onAudit);
        cleanup.push(() => deps.audit.off('record', onAudit));
      }
    };

    const onAuth = async (token: string | null) => {
      authenticating = true;
      try {
        const reauthenticate = () => authenticate(token === null ? request : withAuthorization(request, authorizationOf(token)), app.credentials.resolvers);
        const who = await reauthenticate();
        if (socket.readyState !== socket.OPEN) return;
        clearTimeout(timer);
        principal = who;
        subscribe(who, reauthenticate);
        // The skyclust area names users by UUID.
        send(event('authenticated', { user_id: deps.users.get(who.userId)?.uuid ?? null, username: who.username, role: who.role }));
      } catch (err) {
        refuse(toApiError(err).message);
      }
    };

    socket.on('message', (data, isBinary) => {
      if (principal) {
        // The only message after auth: an application-level ping for clients that cannot send WebSocket pings (browsers).
        if (!isBinary && parseType(data.toString()) === 'ping') send(event('pong', {}));
        return;
      }
      if (authenticating) return;
      const auth = isBinary ? null : parseAuth(data.toString());
      if (auth === null) refuse('the first message must be {"type":"auth","token":"..."} (or {"type":"auth"} with the session cookie)');
      else void onAuth(auth.token);
    });
    socket.on('close', () => {
      for (const fn of cleanup) fn();
    });
  });
}

function parseType(text: string): string | null {
  try {
    const msg = JSON.parse(text) as { type?: unknown };
    return typeof msg.type === 'string' ? msg.type : null;
  } catch {
    return null;
  }
}

/** The documented /ws under the area's prefix; the hub also mounts it at the root (ws://host:8080/ws, as the seed shows). */
export const wsRoutes: RouteModule = (app, deps) => registerWs(app, deps, { path: '/ws', authTimeoutMs: 5000 });
