import { AGENT_CLIENT_ID_PREFIX, agentClientId } from '../../shared/topics.js';
import type { Principal } from '../identity/authenticator.js';

/**
 * Agents' client ids (`agentClientId`) belong to the node they name:
 * anyone else using one would take the agent's session over (MQTT-3.1.4-2:
 * the broker disconnects the existing client with the same id), so the
 * agent would flap offline/online and its Last Will would be published.
 */

export type ClaimResult = { ok: true } | { ok: false; returnCode: 2 | 5; reason: string };

interface Owner {
  principal: string;
  /** `clean: false`: the session outlives the connection. */
  persistent: boolean;
  /** The connection using the id now; null while a persistent session waits for its client. */
  connection: object | null;
  offlineSince: number;
}

const keyOf = (who: Principal) => `${who.kind}:${who.id}`;

/**
 * Who holds each MQTT client id: the principal of the connection using it
 * or of the persistent session kept for it. A principal may take over only
 * its own sessions; an id held by someone else, or a node's agent id used
 * by anyone but that node, is refused with CONNACK 2 (identifier rejected).
 * Persistent sessions per principal are limited (CONNACK 5, not
 * authorized), since each may queue up to `broker.sessions.maxBytes`.
 */
export class SessionOwners {
  private readonly owners = new Map<string, Owner>();

  constructor(
    private readonly maxPersistentPerPrincipal: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called once `who` has authenticated on `connection` with `clientId`; on ok the id is theirs. */
  claim(clientId: string, who: Principal, persistent: boolean, connection: object): ClaimResult {
    const principal = keyOf(who);
    if (clientId.startsWith(AGENT_CLIENT_ID_PREFIX) && (who.kind !== 'node' || clientId !== agentClientId(who.cluster, who.name))) {
      return { ok: false, returnCode: 2, reason: `client ids starting with ${AGENT_CLIENT_ID_PREFIX} belong to the node agent they name` };
    }
    const held = this.owners.get(clientId);
    if (held && held.principal !== principal) return { ok: false, returnCode: 2, reason: 'client id is in use by another principal' };
    if (persistent) {
      let others = 0;
      for (const [id, o] of this.owners) if (id !== clientId && o.persistent && o.principal === principal) others += 1;
      if (others >= this.maxPersistentPerPrincipal) {
        return { ok: false, returnCode: 5, reason: `at most ${this.maxPersistentPerPrincipal} persistent sessions per principal (broker.sessions.maxPerPrincipal)` };
      }
    }
    this.owners.set(clientId, { principal, persistent, connection, offlineSince: 0 });
    return { ok: true };
  }

  /** The connection that claimed `clientId` closed: a clean session ends, a persistent one waits for expiry. */
  closed(clientId: string, connection: object): void {
    const o = this.owners.get(clientId);
    // A newer connection of the same principal may have taken the id over meanwhile.
    if (!o || o.connection !== connection) return;
    if (!o.persistent) {
      this.owners.delete(clientId);
      return;
    }
    o.connection = null;
    o.offlineSince = this.now();
  }

  /** Removes and returns the persistent sessions whose client has been away for `maxAgeMs` or more. */
  expire(maxAgeMs: number): string[] {
    const cutoff = this.now() - maxAgeMs;
    const gone: string[] = [];
    for (const [id, o] of this.owners) {
      if (o.connection === null && o.offlineSince <= cutoff) {
        this.owners.delete(id);
        gone.push(id);
      }
    }
    return gone;
  }
}
