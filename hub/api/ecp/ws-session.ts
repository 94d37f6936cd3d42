import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { revocationsOf } from '../../identity/revocations.js';
import { closeReason, LiveAuthorization, wsCloseCode } from '../../streams/live-authorization.js';
import { authenticate } from '../auth/plugin.js';
import type { ApiDeps } from '../deps.js';
import type { Api } from '../types.js';
import { EcpError } from './errors.js';

/** RFC 6455 7.4.1: 1009 message too big, 1013 try again later. */
export const WS_CLOSE = { NORMAL: 1000, TOO_BIG: 1009, TRY_AGAIN_LATER: 1013 } as const;
/** What a client may send in one message (a subscribe is ~100 bytes). */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;
/** A client that leaves this much unread skips pushes until it catches up. */
const MAX_BUFFERED_BYTES = 256 * 1024;

/** An ECP WebSocket error frame: the ECP error body without the HTTP parts. */
export const errorFrame = (code: string, message: string, details: Record<string, unknown> = {}) => ({ error: { code, message, details, timestamp: new Date().toISOString() } });

/**
 * The ECP WebSockets' sessions: each user holds at most `maxPerUser` of
 * them (monitoring, deployment and alerts together), each stays as
 * authorised as a new request (a revoked credential closes it with 4001, a
 * lost permission with 4003), and each sends JSON frames, skipped while the
 * client is far behind.
 */
export class EcpSockets {
  private readonly perUser = new Map<number, number>();

  constructor(
    private readonly app: Api,
    private readonly deps: ApiDeps,
    private readonly maxPerUser: number,
  ) {}

  /** preHandler of every ECP WebSocket route: over the limit the upgrade is refused with 429 before it happens. */
  readonly checkLimit = async (request: FastifyRequest): Promise<void> => {
    const user = request.principal!.userId;
    if ((this.perUser.get(user) ?? 0) >= this.maxPerUser) throw this.tooMany();
  };

  private tooMany() {
    return new EcpError(429, 'TOO_MANY_SESSIONS', `at most ${this.maxPerUser} ECP WebSockets per user (ecp.monitoring.maxSocketsPerUser)`, { limit: this.maxPerUser });
  }

  /**
   * Opens a session on an upgraded socket; null (and the socket closed with
   * 1013) when the user's other sessions, opened meanwhile, reached the limit.
   * `onClose` runs once when the socket closes, whoever closes it.
   */
  open(socket: WebSocket, request: FastifyRequest): EcpSession | null {
    const user = request.principal!.userId;
    const held = this.perUser.get(user) ?? 0;
    if (held >= this.maxPerUser) {
      socket.close(WS_CLOSE.TRY_AGAIN_LATER, closeReason(this.tooMany().message));
      return null;
    }
    this.perUser.set(user, held + 1);
    const session = new EcpSession(socket, request, this.deps, this.app);
    socket.on('close', () => {
      session.end();
      const n = (this.perUser.get(user) ?? 1) - 1;
      if (n > 0) this.perUser.set(user, n);
      else this.perUser.delete(user);
    });
    return session;
  }
}

export class EcpSession {
  private readonly live: LiveAuthorization;
  private readonly cleanup: (() => void)[] = [];

  constructor(
    readonly socket: WebSocket,
    readonly request: FastifyRequest,
    deps: ApiDeps,
    app: Api,
  ) {
    this.live = new LiveAuthorization({
      revocations: revocationsOf(deps.db),
      principal: request.principal!,
      reauthenticate: () => authenticate(request, app.credentials.resolvers),
      permission: 'metrics:read',
      end: (err) => {
        this.sendNow(errorFrame(err.code, err.message));
        socket.close(wsCloseCode(err), closeReason(err.message));
      },
    });
  }

  /** Sends while the principal stands (held during a revocation re-check); skipped for a client far behind. */
  send(frame: object): void {
    this.live.deliver(() => this.sendNow(frame));
  }

  private sendNow(frame: object): void {
    if (this.socket.readyState !== this.socket.OPEN || this.socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
    this.socket.send(JSON.stringify(frame));
  }

  /** Closes after what was sent (the deployment finished). */
  close(code: number, reason: string): void {
    this.socket.close(code, closeReason(reason));
  }

  /** Runs at the end of the session. */
  onEnd(fn: () => void): void {
    this.cleanup.push(fn);
  }

  /**
   * Client messages as parsed JSON objects; binary, oversized (closes with
   * 1009) or unparsable ones get an error frame and are not passed on.
   */
  onMessage(handle: (msg: Record<string, unknown>) => void): void {
    this.socket.on('message', (data: RawData, isBinary: boolean) => {
      const size = Array.isArray(data) ? data.reduce((a, b) => a + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
      if (size > MAX_CLIENT_MESSAGE_BYTES) return this.close(WS_CLOSE.TOO_BIG, `a message may hold at most ${MAX_CLIENT_MESSAGE_BYTES} bytes`);
      if (isBinary) return this.send(errorFrame('BAD_REQUEST', 'messages are JSON text'));
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return this.send(errorFrame('BAD_REQUEST', 'a message must be a JSON object'));
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.send(errorFrame('BAD_REQUEST', 'a message must be a JSON object'));
      handle(msg as Record<string, unknown>);
    });
  }

  end(): void {
    this.live.close();
    for (const fn of this.cleanup.splice(0)) fn();
  }
}
