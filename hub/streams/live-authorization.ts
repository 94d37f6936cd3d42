import type { ApiPrincipal } from '../api/auth/principal.js';
import type { RouteAccess } from '../api/auth/permissions.js';
import { authorize } from '../api/auth/plugin.js';
import { toApiError, type ApiError } from '../api/errors.js';
import type { Revocation, Revocations } from '../identity/revocations.js';

/**
 * WebSocket close codes of a stream whose principal was revoked (private-use
 * range 4000-4999, RFC 6455 7.4.2, mirroring HTTP): 4001 the credential or
 * account no longer holds (logout, revoked key, removed or disabled user,
 * new password): log in again; 4003 the user lost the permission the stream
 * needs (a role change, a narrower key). A re-check that could not be made
 * (password checks busy, throttled, an internal error) closes with 1013, try
 * again later (RFC 6455 7.4.1): the stream fails closed, the client may
 * reconnect.
 */
export const WS_CLOSE_REVOKED = { UNAUTHORIZED: 4001, FORBIDDEN: 4003, TRY_AGAIN_LATER: 1013 } as const;

export interface LiveAuthorizationOptions {
  revocations: Revocations;
  principal: ApiPrincipal;
  /** Authenticates the stream's credential again, as a new request would (rejects with the ApiError such a request would get). */
  reauthenticate: () => Promise<ApiPrincipal>;
  /** What the stream's events need. */
  permission: RouteAccess;
  /** Ends the stream with this error (UNAUTHORIZED or FORBIDDEN); called once. */
  end: (error: ApiError) => void;
}

function concerns(r: Revocation, p: ApiPrincipal): boolean {
  switch (r.kind) {
    case 'any':
      return true;
    case 'user':
      return r.userId === p.userId;
    case 'credential':
      return r.id === p.credentialId;
    case 'node':
      return false;
  }
}

/**
 * Keeps an open stream (WebSocket, SSE) as authorised as a new request:
 * every event goes through `deliver`, which sends it only while the
 * principal stands. A revocation that concerns the principal (its
 * credential, its user, or hub.db changed elsewhere) suspends delivery at
 * once, in the revocation's own turn, then authenticates the credential
 * again: still valid and permitted, the events held meanwhile go out in
 * order; otherwise they are dropped and the stream ends with UNAUTHORIZED
 * or FORBIDDEN. Holding lasts one re-check (a SQLite read, one JWT
 * verification); a newer revocation during it starts a newer re-check and
 * only the newest decides.
 */
export class LiveAuthorization {
  private state: 'valid' | 'checking' | 'ended' = 'valid';
  private held: (() => void)[] = [];
  private generation = 0;
  private readonly unwatch: () => void;

  constructor(private readonly opts: LiveAuthorizationOptions) {
    this.unwatch = opts.revocations.watch((r) => {
      if (this.state !== 'ended' && concerns(r, opts.principal)) void this.recheck();
    });
  }

  /** Sends now while the principal stands, after the re-check while one runs, never once the stream was ended. */
  deliver(send: () => void): void {
    if (this.state === 'valid') send();
    else if (this.state === 'checking') this.held.push(send);
  }

  /** Stops watching (the stream closed). */
  close(): void {
    this.state = 'ended';
    // A re-check still running decides nothing any more.
    this.generation++;
    this.held = [];
    this.unwatch();
  }

  private async recheck(): Promise<void> {
    const generation = ++this.generation;
    this.state = 'checking';
    let failure: ApiError | null = null;
    try {
      authorize(await this.opts.reauthenticate(), this.opts.permission);
    } catch (err) {
      failure = toApiError(err);
    }
    if (generation !== this.generation) return;
    if (failure) {
      this.close();
      this.opts.end(failure);
      return;
    }
    this.state = 'valid';
    for (const send of this.held.splice(0)) send();
  }
}

/** A close frame's reason holds at most 123 bytes (RFC 6455 5.5: 125 minus the code); ws throws on a longer one. */
const MAX_CLOSE_REASON_BYTES = 123;

/** `message` cut to what a close frame can carry, at a character boundary. */
export function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > MAX_CLOSE_REASON_BYTES) reason = reason.slice(0, -1);
  return reason;
}

/** The close code for a stream ended by `error` (see WS_CLOSE_REVOKED). */
export function wsCloseCode(error: ApiError): number {
  if (error.code === 'UNAUTHORIZED') return WS_CLOSE_REVOKED.UNAUTHORIZED;
  if (error.code === 'FORBIDDEN') return WS_CLOSE_REVOKED.FORBIDDEN;
  return WS_CLOSE_REVOKED.TRY_AGAIN_LATER;
}
