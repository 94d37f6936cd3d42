import { EventEmitter } from 'node:events';
import type { Statement } from 'better-sqlite3';
import type { HubDb } from '../core/db.js';

/** Something that ended or changed what a live connection (MQTT, WebSocket, SSE) was let in with. */
export type Revocation =
  /** A user removed, disabled, given another role or another password: whatever they hold is checked again. */
  | { kind: 'user'; userId: number }
  /** One credential ended: a JWT's jti (logout), a session's id, an API key's id. */
  | { kind: 'credential'; id: string }
  /** A node removed or disabled. */
  | { kind: 'node'; name: string }
  /** hub.db was changed by another connection (the CLI, another hub process): everything is checked again. */
  | { kind: 'any' };

/** Where a revocation was made: here, or on another hub (hub/redis/revocation-relay.ts); only local ones are relayed. */
export type RevocationOrigin = 'local' | 'remote';

/** How often hub.db is looked at for commits of other connections while connections listen. */
const WATCH_EVERY_MS = 1000;

/**
 * The revocation bus of one hub.db. The stores announce what they revoke
 * (after the write, so a listener's re-check reads the new state); live
 * connections listen and check their principal again. Changes made by
 * another process (the `kcloud-hub user|node` CLI) are not announced by
 * anyone here: SQLite's `data_version` tells that another connection
 * committed, and `sync()` turns that into a `{kind: 'any'}` revocation. It
 * runs every second while someone listens, and the broker (before a
 * publish) and HTTP Basic's remembered headers (before a request) run it
 * once per event-loop turn, so a node removed or a user changed by the CLI
 * is seen by the next turn, before the next look.
 */
export class Revocations extends EventEmitter<{ revoked: [Revocation, RevocationOrigin] }> {
  private readonly dataVersion: Statement<[], number>;
  private version: number;
  private timer: NodeJS.Timeout | null = null;
  private watchers = 0;
  private syncedThisTurn = false;

  constructor(private readonly db: HubDb) {
    super();
    // One listener per open stream and one per broker: hundreds are normal.
    this.setMaxListeners(0);
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.version = this.dataVersion.get()!;
  }

  /** Tells every live connection (and, through the relay, the other hubs). */
  announce(revocation: Revocation): void {
    this.emit('revoked', revocation, 'local');
  }

  /** A revocation another hub made (not relayed again). */
  receive(revocation: Revocation): void {
    this.emit('revoked', revocation, 'remote');
  }

  /** Calls `listener` with every revocation until the returned function is called; hub.db is watched meanwhile. */
  watch(listener: (revocation: Revocation) => void): () => void {
    const guarded = (revocation: Revocation) => {
      try {
        listener(revocation);
      } catch (err) {
        // One connection's failed re-check must neither stop the others' nor fail the write that announced it (committed already).
        process.emitWarning(err as Error);
      }
    };
    this.on('revoked', guarded);
    this.watchers++;
    this.timer ??= setInterval(() => this.sync(), WATCH_EVERY_MS).unref();
    let watching = true;
    return () => {
      if (!watching) return;
      watching = false;
      this.off('revoked', guarded);
      if (--this.watchers === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /**
   * `sync` at most once per event-loop turn, for checks on every request or
   * publish: the pragma starts a read transaction, ~10 µs on a busy hub.db
   * (3 % of the hub's ingest CPU and as much as the rest of a remembered
   * Basic request, when read for each). What a turn reads after another
   * connection's commit is seen by the next turn's first look.
   */
  syncOncePerTurn(): void {
    if (this.syncedThisTurn) return;
    this.syncedThisTurn = true;
    this.sync();
    setImmediate(() => (this.syncedThisTurn = false));
  }

  /** Announces `{kind: 'any'}` when another connection has committed to hub.db since the last look. */
  sync(): void {
    if (!this.db.open) return;
    const now = this.dataVersion.get()!;
    if (now === this.version) return;
    this.version = now;
    this.emit('revoked', { kind: 'any' }, 'local');
  }
}

const buses = new WeakMap<HubDb, Revocations>();

/**
 * The revocation bus of a database connection: every store of one hub.db
 * (tokens, sessions, API keys, users, nodes) announces on the same one, and
 * the broker and the streams listen there, without the bus being threaded
 * through each store's constructor.
 */
export function revocationsOf(db: HubDb): Revocations {
  let bus = buses.get(db);
  if (!bus) buses.set(db, (bus = new Revocations(db)));
  return bus;
}
