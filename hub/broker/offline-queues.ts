import { Readable } from 'node:stream';

export interface QueueLimits {
  maxMessages: number;
  maxBytes: number;
}

/** A PUBLISH, or the PUBREL that replaces one once a QoS 2 subscriber has answered PUBREC. */
interface Queued {
  topic?: string;
  payload?: Buffer | string;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
}

const sizeOf = (p: Queued) => (p.topic?.length ?? 0) + (typeof p.payload === 'string' ? Buffer.byteLength(p.payload) : (p.payload?.length ?? 0));

/**
 * The QoS 1/2 messages kept for persistent (`clean: false`) sessions,
 * bounded per session. aedes' memory persistence keeps every message for
 * a session whose client never returns (one abandoned subscription on
 * `kcloud/v1/#` held all the fleet's telemetry); here a session holds at
 * most `maxMessages` and `maxBytes`, and the oldest go first: for
 * telemetry the newest matter most. These are the `outgoing*` methods of
 * aedes' persistence interface, with aedes-persistence's memory semantics
 * (asyncPersistence.js) apart from the bound.
 */
export class OfflineQueues {
  private readonly queues = new Map<string, { packets: Queued[]; bytes: number }>();

  constructor(
    private readonly limits: QueueLimits,
    /** Told how many messages a session lost to the bound. */
    private readonly dropped: (clientId: string, n: number) => void,
  ) {}

  async outgoingEnqueue(sub: { clientId: string }, packet: Queued): Promise<void> {
    let q = this.queues.get(sub.clientId);
    if (!q) this.queues.set(sub.clientId, (q = { packets: [], bytes: 0 }));
    // A copy: aedes sets each session's own messageId on it.
    const copy: Queued = { ...packet };
    q.packets.push(copy);
    q.bytes += sizeOf(copy);
    let n = 0;
    // The newest stays even alone above maxBytes (broker.limits.maxPacketSize bounds one message).
    while (q.packets.length > 1 && (q.packets.length > this.limits.maxMessages || q.bytes > this.limits.maxBytes)) {
      q.bytes -= sizeOf(q.packets.shift()!);
      n += 1;
    }
    if (n > 0) this.dropped(sub.clientId, n);
  }

  async outgoingEnqueueCombi(subs: { clientId: string }[], packet: Queued): Promise<void> {
    for (const sub of subs) await this.outgoingEnqueue(sub, packet);
  }

  /** Records the messageId a queued message went out with (or a PUBREL replacing it). */
  async outgoingUpdate(client: { id: string }, packet: Queued): Promise<void> {
    const q = this.queues.get(client.id);
    if (!q) return;
    for (let i = 0; i < q.packets.length; i++) {
      const p = q.packets[i]!;
      if (p.brokerId === packet.brokerId && p.brokerCounter === packet.brokerCounter) {
        p.messageId = packet.messageId;
        return;
      }
      if (p.brokerId !== packet.brokerId && p.messageId === packet.messageId) {
        q.bytes += sizeOf(packet) - sizeOf(p);
        q.packets[i] = packet;
        return;
      }
    }
    // Not found: dropped by the bound after aedes took it from the queue. aedes' memory store throws
    // here, which would disconnect a client being sent its backlog; the message still goes out.
  }

  /** A PUBACK (or PUBCOMP) arrived: the message leaves the queue. */
  async outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<Queued | undefined> {
    const q = this.queues.get(client.id);
    if (!q) return undefined;
    const i = q.packets.findIndex((p) => p.messageId === packet.messageId);
    if (i < 0) return undefined;
    const [p] = q.packets.splice(i, 1);
    q.bytes -= sizeOf(p!);
    if (q.packets.length === 0) this.queues.delete(client.id);
    return p;
  }

  outgoingStream(client: { id: string }): Readable {
    // A snapshot, as aedes' memory store gives: the queue may change while it is sent.
    return Readable.from([...(this.queues.get(client.id)?.packets ?? [])]);
  }

  /** Drops a session's queue (the session expired or ended). */
  forget(clientId: string): void {
    this.queues.delete(clientId);
  }
}
