/** An event of the SSE stream, as kept for resuming. */
export interface StreamEvent {
  id: number;
  event: 'power_update' | 'threshold_exceeded';
  data: unknown;
  /** For power_update: the interval (ms) of the stream it was made for; clients only get their own. */
  intervalMs?: number;
}

export type EventFilter = (e: StreamEvent) => boolean;

/**
 * The most recent stream events in memory, so a client reconnecting with
 * `Last-Event-ID` gets what it missed. Bounded: the oldest fall off. Ids
 * increase by one and start at the hub's start time in ms, so they keep
 * increasing across hub restarts (the stream makes far fewer than one event
 * per ms) and an id from before a restart does not replay newer events twice.
 */
export class EventRing {
  private readonly events: StreamEvent[] = [];
  private readonly listeners = new Set<(e: StreamEvent) => void>();
  private nextId: number;

  constructor(
    private readonly capacity: number,
    firstId: number,
  ) {
    this.nextId = firstId;
  }

  /** Stores an event under the next id and hands it to every listener. */
  append(e: Omit<StreamEvent, 'id'>): StreamEvent {
    const event = { ...e, id: this.nextId++ };
    this.events.push(event);
    if (this.events.length > this.capacity) this.events.shift();
    for (const l of this.listeners) l(event);
    return event;
  }

  /** Events after `id` that pass the filter, oldest first; those that fell off the ring are gone. */
  after(id: number, filter: EventFilter): StreamEvent[] {
    // Ids are consecutive, so the first newer event sits at a computable index.
    const first = this.events[0];
    if (!first) return [];
    const from = Math.max(0, id + 1 - first.id);
    return this.events.slice(from).filter(filter);
  }

  /** Calls `listener` for each new event until the returned function is called. */
  subscribe(listener: (e: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.events.length;
  }
}
