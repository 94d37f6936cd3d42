import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.js';
import { AGENT_CLIENT_ID_PREFIX } from '../../shared/topics.js';
import { peersToAdopt } from './adoption-plan.js';
import { clientIdOfStateTopic, MAX_PEERS, parseHubState } from './hub-presence.js';

/** Takes one message of a connection: resolves true once it may be acknowledged, false when it must not be (no PUBACK). */
export type MessageHandler = (topic: string, payload: Buffer, clientId: string) => Promise<boolean>;

/** After a failed commit the adopted connection is dropped without its PUBACK and opened again this much later. */
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * Adoption of dead peers' sessions (docs/scale-out.md, "Several ingest
 * hubs"). mosquitto keeps a dead hub's persistent session, with its
 * unacknowledged batches and its turn in the shared subscription, until the
 * same client id connects again. The hub that `peersToAdopt` elects opens a
 * second connection under the dead peer's client id (clean start off, no
 * automatic reconnect): the broker hands it the session's queue and its share,
 * which go through this hub's ingest like its own. When the peer comes back
 * its connect takes the session over and the broker closes the adopted
 * connection; the adopter then leaves that peer alone until a state message
 * of the peer or a change of the group's online hubs (never fighting the
 * peer for its session).
 */
export class PeerAdopter {
  private readonly peers = new Map<string, 'online' | 'offline'>();
  private readonly adoptions = new Map<string, MqttClient>();
  /** Peers whose adopted connection the broker closed: not adopted again until their state or the group changes. */
  private readonly blocked = new Set<string>();
  private selfOnline = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private warnedFull = false;

  constructor(
    private readonly self: string,
    private readonly group: string,
    private readonly url: string,
    /** The connection options of the hub's own connection (credentials, CA, session expiry). */
    private readonly base: IClientOptions,
    private readonly handle: MessageHandler,
    private readonly log: Logger,
  ) {}

  /** Client ids of the sessions this hub holds for dead peers now. */
  adopted(): string[] {
    return [...this.adoptions.keys()].sort();
  }

  /** A message on a hub state topic, as the hub's own connection received it. */
  onState(topic: string, payload: Buffer): void {
    const id = clientIdOfStateTopic(topic);
    // An agent's client id is never a hub's: a forged state must not make this hub take an agent's session.
    if (id === null || id === this.self || id.startsWith(AGENT_CLIENT_ID_PREFIX)) return;
    const msg = parseHubState(payload);
    const onlineBefore = this.onlineIds();
    if (!msg || msg.group !== this.group) {
      this.peers.delete(id);
    } else if (this.peers.has(id) || this.peers.size < MAX_PEERS) {
      this.peers.set(id, msg.state);
    } else {
      if (!this.warnedFull) this.log.warn({ peer: id, max: MAX_PEERS }, 'too many hub state topics: peer ignored');
      this.warnedFull = true;
      return;
    }
    this.blocked.delete(id);
    if (this.onlineIds() !== onlineBefore) this.blocked.clear();
    this.reconcile();
  }

  /** The hub's own connection came up (true) or went down (false). */
  setSelfOnline(online: boolean): void {
    if (this.selfOnline === online) return;
    this.selfOnline = online;
    this.blocked.clear();
    this.reconcile();
  }

  /** Ends the adopted connections; their sessions stay at the broker for the peer or the next adopter. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const adoptions = [...this.adoptions];
    this.adoptions.clear();
    for (const [peer] of adoptions) this.log.info({ peer }, 'releasing adopted peer session');
    await Promise.all(adoptions.map(([, c]) => c.endAsync()));
  }

  private onlineIds(): string {
    return [...this.peers].filter(([, s]) => s === 'online').map(([id]) => id).sort().join('\n');
  }

  private reconcile(): void {
    const want = new Set(this.closed ? [] : peersToAdopt(this.self, this.selfOnline, this.peers).filter((id) => !this.blocked.has(id)));
    for (const [id, client] of this.adoptions) {
      if (want.has(id)) continue;
      // Another hub is elected now, or the peer is back: hand the session over (it stays at the broker).
      this.adoptions.delete(id);
      this.log.info({ peer: id }, 'releasing adopted peer session');
      client.end();
    }
    for (const id of want) if (!this.adoptions.has(id)) this.adopt(id);
  }

  private adopt(peer: string): void {
    this.log.info({ peer }, 'adopting the session of an offline peer');
    let failed = false;
    const client = mqtt.connect(this.url, {
      ...this.base,
      clientId: peer,
      clean: false,
      will: undefined,
      // Never reconnect: a closed adopted connection is the peer taking its session back, or a fresh decision's job.
      reconnectPeriod: 0,
      resubscribe: false,
      customHandleAcks: (topic, message, _packet, done) => {
        void this.handle(topic, message, peer).then((ok) => {
          if (ok) return done(0);
          failed = true;
          client.stream.destroy();
        });
      },
    });
    this.adoptions.set(peer, client);
    client.on('connect', (connack) => {
      this.log.info({ peer, sessionPresent: connack.sessionPresent }, 'adopted peer session');
      if (connack.sessionPresent) return;
      // The session expired: nothing to take over, and the empty one this connect made must not stay.
      this.blocked.add(peer);
      this.adoptions.delete(peer);
      client.end(false, { properties: { sessionExpiryInterval: 0 } });
    });
    client.on('disconnect', (packet) => this.log.info({ peer, reasonCode: packet.reasonCode }, 'broker ended the adopted session'));
    client.on('error', (err) => this.log.warn({ peer, err: err.message }, 'adopted peer session error'));
    client.on('close', () => {
      if (this.adoptions.get(peer) !== client) return;
      this.adoptions.delete(peer);
      if (failed) {
        this.retry ??= setTimeout(() => {
          this.retry = null;
          this.reconcile();
        }, RETRY_AFTER_FAILURE_MS);
        return;
      }
      this.blocked.add(peer);
      this.log.info({ peer }, 'adopted peer session closed by the broker (the peer took it back, or the connection was lost)');
    });
  }
}
