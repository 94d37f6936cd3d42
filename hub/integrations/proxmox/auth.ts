import { PveError } from './errors.js';
import type { TicketResult } from './api-types.js';
import type { PveTransport } from './transport.js';

/** An API token (the default: no expiry, no CSRF) or a user's password (tickets). */
export type PveCredentials = { kind: 'token'; tokenId: string; secret: string } | { kind: 'password'; username: string; password: string };

/** Tickets live 2 h on PVE; a new one is fetched well before. */
export const TICKET_RENEW_MS = 90 * 60_000;

export interface PveSession {
  ticket: string;
  csrf: string;
  username: string;
  clustername: string | null;
  obtainedAt: number;
}

/** `POST /access/ticket`: PVE answers 401 after a deliberate delay when the password is wrong. */
export async function createTicket(transport: PveTransport, username: string, password: string, now: () => number): Promise<PveSession> {
  const data = (await transport.call('POST', '/access/ticket', { username, password })) as TicketResult | null;
  if (!data?.ticket || !data.CSRFPreventionToken) throw new PveError('auth', 'Proxmox gave no ticket for these credentials', 401);
  return { ticket: data.ticket, csrf: data.CSRFPreventionToken, username: data.username, clustername: data.clustername ?? null, obtainedAt: now() };
}

/** The headers each request carries; a ticket session is renewed before it expires and after a 401. */
export class PveAuth {
  private session: PveSession | null = null;
  private pending: Promise<PveSession> | null = null;

  constructor(
    private readonly transport: PveTransport,
    readonly credentials: PveCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  async headers(method: string): Promise<Record<string, string>> {
    const c = this.credentials;
    if (c.kind === 'token') return { authorization: `PVEAPIToken=${c.tokenId}=${c.secret}` };
    const s = await this.ticket();
    // PVE checks the CSRF token on every call that changes something.
    return { cookie: `PVEAuthCookie=${s.ticket}`, ...(method !== 'GET' && { csrfpreventiontoken: s.csrf }) };
  }

  /** Forgets the ticket (PVE refused it): the next call logs in again. */
  invalidate(): void {
    this.session = null;
  }

  private ticket(): Promise<PveSession> {
    const c = this.credentials;
    if (c.kind !== 'password') throw new Error('tickets need a password');
    if (this.session && this.now() - this.session.obtainedAt < TICKET_RENEW_MS) return Promise.resolve(this.session);
    // One login for all the calls that found the ticket old at the same time.
    this.pending ??= createTicket(this.transport, c.username, c.password, this.now)
      .then((s) => (this.session = s))
      .finally(() => (this.pending = null));
    return this.pending;
  }
}
