import type { Client } from 'aedes';
import type { Authenticator, Principal } from '../identity/authenticator.js';
import type { Revocation, Revocations } from '../identity/revocations.js';

interface Admitted {
  who: Principal;
  /** Authenticator.standing at connect: the account as it was when its password was checked. */
  standing: string | null;
}

function concerns(r: Revocation, who: Principal): boolean {
  switch (r.kind) {
    case 'any':
      return true;
    case 'user':
      return who.kind === 'user' && who.id === r.userId;
    case 'node':
      return who.kind === 'node' && who.name === r.name;
    case 'credential':
      // JWTs, sessions and API keys open no MQTT connection.
      return false;
  }
}

/**
 * Who each MQTT connection is, for as long as it may stay: the broker asks
 * `principal()` on every publish, subscribe and forward, which is the
 * decision taken at connect, kept until a revocation concerns it. Then the
 * account is read again (Authenticator.standing); a removed or disabled
 * account, a node registered anew under the same name, or a changed
 * password loses the connection at once: it is forgotten (so nothing more
 * of it is accepted or forwarded to it) and closed.
 */
export class LiveAccess {
  /** Forgotten on disconnect; a connection closed before it was registered (no disconnect event) goes at the next revocation. */
  private readonly admitted = new Map<Client, Admitted>();
  private readonly unwatch: () => void;

  constructor(
    private readonly auth: Authenticator,
    revocations: Revocations,
    private readonly onRevoked: (client: Client, who: Principal) => void,
  ) {
    this.unwatch = revocations.watch((r) => this.recheck(r));
  }

  /** Records an authenticated connection. */
  admit(client: Client, who: Principal): void {
    this.admitted.set(client, { who, standing: this.auth.standing(who) });
  }

  /** Drops a connection that ended. */
  forget(client: Client): void {
    this.admitted.delete(client);
  }

  /** The connection's principal; null when it never authenticated or was revoked since. */
  principal(client: Client): Principal | null {
    return this.admitted.get(client)?.who ?? null;
  }

  /** Stops listening for revocations (broker closed). */
  close(): void {
    this.unwatch();
  }

  private recheck(r: Revocation): void {
    for (const [client, entry] of this.admitted) {
      if (client.closed) {
        this.admitted.delete(client);
        continue;
      }
      if (!concerns(r, entry.who)) continue;
      const now = this.auth.standing(entry.who);
      if (now !== null && now === entry.standing) continue;
      this.admitted.delete(client);
      this.onRevoked(client, entry.who);
      client.close();
    }
  }
}
