import { hash } from 'node:crypto';
import type { Revocations } from '../../identity/revocations.js';
import type { ApiPrincipal } from './principal.js';

/** Most headers remembered at once: a hub's distinct Basic clients (dashboards, scripts), not one per request. */
const MAX_ENTRIES = 1024;

/**
 * `Authorization: Basic` headers that passed the full login path lately,
 * with the principal they gave. HTTP Basic sends the password with every
 * request (the seed's curl examples, Grafana, scripts), and the full path
 * (the users read, the verification cache's digest, the throttle's
 * bookkeeping) was most of what an authenticated answer from the response
 * cache cost. An entry answers the same header again until:
 * - `ttlMs` passes (`broker.authCacheTtl`, the verification cache's TTL);
 * - anything is revoked on hub.db (a user removed, disabled, given another
 *   role or password; a token, key or session ended) or another connection
 *   (the `kcloud-hub user` CLI, another hub process) committed to hub.db:
 *   every entry goes, so a change takes effect on the next request (read in
 *   a later event-loop turn than the commit), as without the cache.
 * Entries are keyed by a SHA-256 of the header, so the password itself is not
 * kept after the request that carried it.
 */
export class VerifiedBasicHeaders {
  private readonly entries = new Map<string, { principal: ApiPrincipal; until: number }>();
  /** Counts the clears: a check that began before one is not remembered (it may have read the old password or role). */
  private generation = 0;

  constructor(
    private readonly revocations: Revocations,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    revocations.watch(() => {
      this.entries.clear();
      this.generation++;
    });
  }

  /**
   * The principal these exact credentials gave, or null when they are not
   * remembered (or no longer valid); `since` is what `remember` is given
   * when the full path then accepts them.
   */
  get(header: string): { principal: ApiPrincipal | null; since: number } {
    // Commits of other connections (the CLI) are announced here first: a request read in the turn after one sees it.
    this.revocations.syncOncePerTurn();
    const key = digest(header);
    const entry = this.entries.get(key);
    if (entry && entry.until > this.now()) return { principal: entry.principal, since: this.generation };
    if (entry) this.entries.delete(key);
    return { principal: null, since: this.generation };
  }

  /** Remembers a header the full login path accepted, unless something was revoked since `get`; the oldest entry goes when full. */
  remember(header: string, principal: ApiPrincipal, since: number): void {
    if (this.ttlMs <= 0 || since !== this.generation) return;
    const key = digest(header);
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { principal: Object.freeze(principal), until: this.now() + this.ttlMs });
  }

  get size(): number {
    return this.entries.size;
  }
}

const digest = (header: string): string => hash('sha256', header, 'base64');
