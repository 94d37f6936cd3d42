import { makeInformer, type Informer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';

/** Whether a collection's facts are current. */
export interface WatchState {
  /** `synced`: listed and watching; `connecting`: not listed yet; `down`: the last list or watch failed (retrying). */
  state: 'connecting' | 'synced' | 'down';
  /** Why it is not synced, fit for API readers (no address, no credentials); null while it is. */
  reason: string | null;
  /** The whole error, for the hub's log only; null when there is none. */
  detail: string | null;
  /** When this state began (ms). */
  since: number;
}

export interface RetryPolicy {
  /** First delay after a failure (ms); doubled per failure in a row. */
  minMs: number;
  maxMs: number;
}

export interface CollectionWatchOptions<T extends KubernetesObject, F> {
  /** Plural for messages (`pods`). */
  what: string;
  /** The collection's path, e.g. /api/v1/pods. */
  path: string;
  /** One page of the collection of at most `limit` items. */
  list(limit: number): Promise<KubernetesListObject<T>>;
  facts(obj: T): F | null;
  key(obj: T): string | null;
  /** Most objects held; a collection larger than this is not held at all (its facts are unavailable with a reason). */
  max: number;
  retry: RetryPolicy;
  now?: () => number;
}

/** A collection larger than the configured bound. */
class TooMany extends Error {}

/**
 * One collection of one cluster held current by client-node's informer
 * (list, then watch from the list's resourceVersion; on a watch that ends
 * it watches again from the last resourceVersion, and lists afresh on 410
 * Gone). The informer gives up on an error: it is started again after a
 * delay that doubles per failure in a row (with jitter), and resumes from
 * its resourceVersion, so a short outage costs no re-list. Only the facts
 * (`F`) are kept here; the informer's own copies are stripped of the
 * managedFields and annotations that make most of an object's size.
 */
export class CollectionWatch<T extends KubernetesObject, F> {
  readonly facts = new Map<string, F>();
  private informer: (Informer<T> & ObjectCache<T>) | null = null;
  private status: WatchState;
  private failures = 0;
  private errors = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: CollectionWatchOptions<T, F>,
  ) {
    this.now = opts.now ?? Date.now;
    this.status = { state: 'connecting', reason: `${opts.what} not listed yet`, detail: null, since: this.now() };
  }

  get state(): WatchState {
    return this.status;
  }

  /** Called on every change of the facts or of the state (tests wait on it). */
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  start(): void {
    this.stopped = false;
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.informer?.stop();
  }

  private changed() {
    for (const cb of this.listeners) cb();
  }

  private setState(state: WatchState['state'], reason: string | null, detail: string | null = null) {
    this.status = { state, reason, detail, since: this.now() };
    this.changed();
  }

  private makeInformer(): Informer<T> & ObjectCache<T> {
    const { opts } = this;
    const informer = makeInformer<T>(this.kc, opts.path, async () => {
      // Listed again while synced: the watch's resourceVersion expired (410 Gone) and what is held may be stale until the list is in.
      if (this.status.state === 'synced') this.setState('connecting', `${opts.what} being listed again (the watch's resourceVersion expired)`);
      // One more than the bound: getting it (or a continue token) says the collection is too large to hold.
      const list = await opts.list(opts.max + 1);
      if (list.items.length > opts.max || list.metadata?._continue) throw new TooMany(`more than ${opts.max} ${opts.what} in the cluster`);
      // The informer applies the list as soon as this returns, before any other task runs: current from then on.
      setImmediate(() => {
        if (current() && this.status.state === 'connecting') this.setState('synced', null);
      });
      return list;
    });
    // Callbacks of an informer given up (too many objects) may still come while its request is aborted.
    const current = () => this.informer === informer && !this.stopped;
    const upsert = (obj: T) => {
      if (!current()) return;
      const key = opts.key(obj);
      if (key === null) return;
      if (!this.facts.has(key) && this.facts.size >= opts.max) {
        this.overflow(new TooMany(`more than ${opts.max} ${opts.what} in the cluster`));
        return;
      }
      // The informer keeps this very object: drop what the hub never reads (often most of its size).
      delete obj.metadata?.managedFields;
      delete obj.metadata?.annotations;
      const f = opts.facts(obj);
      if (f === null) this.facts.delete(key);
      else this.facts.set(key, f);
      this.changed();
    };
    informer.on('add', upsert);
    informer.on('update', upsert);
    informer.on('delete', (obj: T) => {
      if (!current()) return;
      const key = opts.key(obj);
      if (key !== null && this.facts.delete(key)) this.changed();
    });
    informer.on('error', (err: unknown) => {
      if (current()) this.failed(err);
    });
    return informer;
  }

  private async run(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    this.informer ??= this.makeInformer();
    const errorsBefore = this.errors;
    try {
      // Resolves once the list (when one is due) is taken and the watch request is answered; a failure comes through `error`.
      await this.informer.start();
    } catch (err) {
      this.failed(err);
      return;
    }
    if (this.errors === errorsBefore && !this.stopped) {
      this.failures = 0;
      if (this.status.state !== 'synced') this.setState('synced', null);
    }
  }

  private failed(err: unknown) {
    this.errors++;
    if (err instanceof TooMany) return this.overflow(err);
    this.failures++;
    const { reason, detail } = describe(err);
    this.setState('down', `${this.opts.what}: ${reason}`, detail);
    this.retryIn(this.delay());
  }

  /** Too many objects: hold none (a partial directory would pass for a complete one) and look again after the longest delay. */
  private overflow(err: TooMany) {
    const informer = this.informer;
    this.informer = null;
    void informer?.stop();
    this.facts.clear();
    this.setState('down', `${err.message} (kubernetes.watch.max${this.opts.what === 'nodes' ? 'Nodes' : 'Pods'})`);
    this.retryIn(this.opts.retry.maxMs);
  }

  private delay(): number {
    const { minMs, maxMs } = this.opts.retry;
    const base = Math.min(maxMs, minMs * 2 ** Math.min(this.failures - 1, 30));
    // Jitter: hubs restarted together do not reconnect in step.
    return Math.round(base * (0.5 + Math.random() / 2));
  }

  private retryIn(ms: number) {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref();
  }
}

/**
 * An error as a reason API readers may see: the HTTP status and the
 * apiserver's Status reason, or the connection error's code — never the
 * apiserver's address or the message (which can name the identity the hub
 * uses); `detail` (for the hub's log only) has the whole message.
 */
function describe(err: unknown): { reason: string; detail: string } {
  const e = err as { statusCode?: number; code?: number | string; body?: unknown; message?: string } | undefined;
  const status = e?.statusCode ?? (typeof e?.code === 'number' ? e.code : undefined);
  if (status !== undefined) {
    // client-node's ApiException carries the apiserver's Status as its body (a string or already parsed).
    let body: { reason?: string; message?: string } = {};
    try {
      body = (typeof e?.body === 'string' ? JSON.parse(e.body) : (e?.body ?? {})) as typeof body;
    } catch {
      // not a Status: the code says enough
    }
    const reason = `HTTP ${status}${body.reason ? ` ${body.reason}` : ''}`;
    return { reason, detail: body.message ? `${reason}: ${body.message}` : (e?.message ?? reason) };
  }
  const detail = e?.message ?? String(err);
  if (typeof e?.code === 'string') return { reason: `connection failed (${e.code})`, detail };
  return { reason: 'request failed', detail };
}
