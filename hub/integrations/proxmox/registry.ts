import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from '../../../shared/log.js';
import { parseDuration } from '../../../shared/duration.js';
import type { HubBus } from '../../bus.js';
import type { HubDb } from '../../core/db.js';
import type { SecretStore } from '../../identity/secrets.js';
import type { PveCredentials } from './auth.js';
import { PveClient } from './client.js';
import { healthFromStatus, unhealthyFrom, type ClusterHealth } from './cluster-health.js';
import { ProxmoxClusterStore, type ProxmoxCluster } from './cluster-store.js';
import type { ProxmoxConfig } from './config.js';
import { PveError } from './errors.js';
import { RegistryError } from './registry-error.js';
import { normalizeFingerprint, probeCertificate, type TlsTrust } from './tls.js';

export interface RegistrationInput {
  name: string;
  apiEndpoint: string;
  username: string;
  password: string;
  /** Pin this certificate instead of verifying against the CAs or trusting the first one seen. */
  tlsFingerprint?: string;
}

export interface Registration {
  cluster: ProxmoxCluster;
  /** What the operator should know: a pinned certificate, tickets instead of a token. */
  warnings: string[];
}

export interface ProxmoxRegistryDeps {
  db: HubDb;
  secrets: SecretStore;
  bus: HubBus;
  config: ProxmoxConfig;
  log: Logger;
  now?: () => number;
}

const secretName = (id: string) => `proxmox/${id}`;
const realmUser = /^[^\s@!:]{1,64}@[A-Za-z][A-Za-z0-9._-]{0,31}$/;

/** How a PVE failure during registration is answered: refused login 401, anything between hub and PVE 502 with its kind. */
function registrationFailure(err: unknown): RegistryError {
  if (!(err instanceof PveError)) return new RegistryError(502, 'Failed to connect to Proxmox', { reason: 'error', error: (err as Error).message });
  if (err.kind === 'auth') return new RegistryError(401, 'Authentication failed', { reason: 'Proxmox refused the username or password' });
  return new RegistryError(502, 'Failed to connect to Proxmox', { reason: err.kind, error: err.message });
}

/**
 * The registered Proxmox clusters: registration (login, token exchange,
 * TLS trust), one PveClient per cluster, and the health loop. The
 * Proxmox server manager asks it for a cluster's client (`client(id)`).
 */
export class ProxmoxRegistry {
  readonly store: ProxmoxClusterStore;
  private readonly clients = new Map<string, PveClient>();
  private readonly registering = new Set<string>();
  private readonly timeoutMs: number;
  private readonly ca: string | null;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private checking: Promise<void> | null = null;

  constructor(private readonly deps: ProxmoxRegistryDeps) {
    this.store = new ProxmoxClusterStore(deps.db);
    this.timeoutMs = parseDuration(deps.config.timeout);
    this.ca = deps.config.caFile ? readFileSync(deps.config.caFile, 'utf8') : null;
    this.now = deps.now ?? Date.now;
  }

  list = () => this.store.list();
  get = (id: string) => this.store.get(id);
  byName = (name: string) => this.store.byName(name);

  private trustOf(fingerprint: string | null): TlsTrust {
    return { ca: this.ca, fingerprint };
  }

  private newClient(endpoint: string, credentials: PveCredentials, fingerprint: string | null): PveClient {
    return new PveClient({ endpoint, credentials, trust: this.trustOf(fingerprint), timeoutMs: this.timeoutMs });
  }

  /** A registered cluster's client (its stored token or password, its pinned certificate); null when unknown. */
  client(id: string): PveClient | null {
    const existing = this.clients.get(id);
    if (existing) return existing;
    const c = this.store.get(id);
    const secret = c && this.deps.secrets.get(secretName(id));
    if (!c || !secret) return null;
    const credentials: PveCredentials = c.authMethod === 'token' ? { kind: 'token', tokenId: c.tokenId!, secret } : { kind: 'password', username: c.username, password: secret };
    const client = this.newClient(c.apiEndpoint, credentials, c.tlsFingerprint);
    this.clients.set(id, client);
    return client;
  }

  /** POST /clusters: 201's cluster, or a RegistryError (400, 401, 409, 502). */
  async register(input: RegistrationInput): Promise<Registration> {
    const endpoint = new URL(input.apiEndpoint);
    if (!realmUser.test(input.username)) throw new RegistryError(400, 'username must be user@realm (root@pam)', { field: 'username' });
    if (this.store.byName(input.name) || this.registering.has(input.name)) throw new RegistryError(409, 'Cluster already exists', { field: 'name' });
    this.registering.add(input.name);
    try {
      return await this.registerNew(endpoint, input);
    } finally {
      this.registering.delete(input.name);
    }
  }

  private async registerNew(endpoint: URL, input: RegistrationInput): Promise<Registration> {
    const warnings: string[] = [];
    const fingerprint = await this.establishTrust(endpoint, input.tlsFingerprint, warnings);
    const apiEndpoint = endpoint.origin;
    const id = randomUUID();
    const login = this.newClient(apiEndpoint, { kind: 'password', username: input.username, password: input.password }, fingerprint);
    let client = login;
    let tokenId: string | null = null;
    let secret = input.password;
    try {
      await login.clusterStatus();
      const tokenName = `kcloud-${id.slice(0, 8)}`;
      try {
        // privsep=0: the token has the user's rights (with privsep=1 it would have none until ACLs are added).
        const token = await login.createToken(input.username, tokenName, { privsep: 0, comment: `kcloud hub cluster registry (${input.name})` });
        tokenId = token['full-tokenid'];
        secret = token.value;
        client = this.newClient(apiEndpoint, { kind: 'token', tokenId, secret }, fingerprint);
      } catch (err) {
        if (!(err instanceof PveError && err.kind === 'api')) throw err;
        warnings.push(`Proxmox refused to create an API token (${err.message}): the password is kept, encrypted, and used for tickets`);
      }
      const [version, status] = await Promise.all([client.version(), client.clusterStatus()]);
      const health = healthFromStatus(status);
      const now = this.now();
      const cluster: ProxmoxCluster = {
        id,
        name: input.name,
        apiEndpoint,
        username: input.username,
        authMethod: tokenId ? 'token' : 'ticket',
        tokenId,
        tlsFingerprint: fingerprint,
        status: health.status,
        statusReason: health.reason,
        proxmoxVersion: version.version,
        nodeCount: health.nodeNames.length,
        nodeNames: health.nodeNames,
        checkedAt: now,
        createdAt: now,
        updatedAt: now,
      };
      const stored = this.deps.db.transaction(() => {
        if (!this.store.insert(cluster)) return false;
        this.deps.secrets.put(secretName(id), secret);
        return true;
      })();
      if (!stored) {
        await this.dropToken(client, input.username, tokenId);
        throw new RegistryError(409, 'Cluster already exists', { field: 'name' });
      }
      this.clients.set(id, client);
      if (client !== login) login.close();
      this.deps.log.info({ cluster: input.name, id, auth: cluster.authMethod, pinned: fingerprint !== null, status: cluster.status }, 'proxmox cluster registered');
      return { cluster, warnings };
    } catch (err) {
      if (tokenId && !(err instanceof RegistryError)) await this.dropToken(client, input.username, tokenId);
      login.close();
      if (client !== login) client.close();
      throw err instanceof RegistryError ? err : registrationFailure(err);
    }
  }

  /** The fingerprint to pin (null: the chain verifies); refuses an unverified certificate when trust on first use is off. */
  private async establishTrust(endpoint: URL, given: string | undefined, warnings: string[]): Promise<string | null> {
    let pinned: string | null = null;
    if (given !== undefined) {
      try {
        pinned = normalizeFingerprint(given);
      } catch (err) {
        throw new RegistryError(400, `tls_fingerprint: ${(err as Error).message}`, { field: 'tls_fingerprint' });
      }
    }
    const peer = await probeCertificate(endpoint, { ca: this.ca }, this.timeoutMs).catch((err: unknown) => {
      throw registrationFailure(err);
    });
    if (pinned) {
      if (peer.fingerprint !== pinned) throw new RegistryError(502, 'Failed to connect to Proxmox', { reason: 'tls', error: `the certificate's SHA-256 is ${peer.fingerprint}, not the given tls_fingerprint` });
      return pinned;
    }
    if (peer.verified) return null;
    if (!this.deps.config.trustOnFirstUse) {
      throw new RegistryError(502, 'Failed to connect to Proxmox', {
        reason: 'tls',
        error: `the certificate does not verify (${peer.verifyError}); give its SHA-256 as tls_fingerprint, or its CA in proxmox.caFile`,
        tls_fingerprint: peer.fingerprint,
      });
    }
    warnings.push(`the certificate does not verify (${peer.verifyError}): pinned SHA-256 ${peer.fingerprint} (trust on first use); compare it with the one the Proxmox GUI shows`);
    return peer.fingerprint;
  }

  private async dropToken(client: PveClient, username: string, tokenId: string | null): Promise<void> {
    if (!tokenId) return;
    await client.deleteToken(username, tokenId.split('!')[1]!).catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message, tokenId }, 'cannot delete the Proxmox API token'));
  }

  /** DELETE /clusters/{id}: forgets the cluster and its secret, and deletes the token it made on PVE (best effort). */
  async remove(id: string): Promise<boolean> {
    const c = this.store.get(id);
    if (!c) return false;
    const client = this.client(id);
    this.deps.db.transaction(() => {
      this.store.delete(id);
      this.deps.secrets.delete(secretName(id));
    })();
    this.clients.delete(id);
    if (client) {
      // With privsep=0 the token may delete itself; a PVE that is down leaves it there (logged).
      if (c.tokenId) await this.dropToken(client, c.username, c.tokenId);
      client.close();
    }
    this.deps.log.info({ cluster: c.name, id }, 'proxmox cluster removed');
    return true;
  }

  /** One health check: status and node count from /cluster/status, version from /version; emits `cluster-health` on a change. */
  async check(id: string): Promise<ProxmoxCluster | null> {
    const before = this.store.get(id);
    const client = this.client(id);
    if (!before || !client) return null;
    let reading: { status: ClusterHealth; reason: string | null; version?: string; nodeNames?: string[] };
    try {
      const [version, status] = await Promise.all([client.version(), client.clusterStatus()]);
      const h = healthFromStatus(status);
      reading = { status: h.status, reason: h.reason, version: version.version, nodeNames: h.nodeNames };
    } catch (err) {
      reading = { status: 'unhealthy', reason: err instanceof PveError ? unhealthyFrom(err) : `check failed: ${(err as Error).message}` };
    }
    // A check cut short by stop() says nothing about the cluster.
    if (this.stopped) return before;
    const now = this.now();
    const after = this.store.recordCheck(id, reading, now);
    if (after && after.status !== before.status) {
      this.deps.log.warn({ cluster: after.name, id, status: after.status, previous: before.status, reason: after.statusReason }, 'proxmox cluster health changed');
      this.deps.bus.emit('cluster-health', { id, name: after.name, status: after.status, previous: before.status, reason: after.statusReason, ts: now });
    }
    return after;
  }

  /** Checks every cluster (in parallel; each bounded by the call timeout). */
  async checkAll(): Promise<void> {
    this.checking ??= Promise.all(this.store.list().map((c) => this.check(c.id)))
      .then(() => undefined)
      .finally(() => (this.checking = null));
    return this.checking;
  }

  /** Starts the health loop (every proxmox.healthInterval). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.checkAll().catch((err: unknown) => this.deps.log.error({ err }, 'proxmox health loop failed')), parseDuration(this.deps.config.healthInterval));
    this.timer.unref();
  }

  /** Stops the loop; checks under way are cut short (their clients closed), not waited for through their timeouts. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    await this.checking;
  }
}
