import { EventEmitter } from 'node:events';
import type { Logger } from '../../shared/log.js';
import type { BusEvents, HubBus } from '../bus.js';
import type { HubDb } from '../core/db.js';
import { NotificationGenerator } from './generator.js';
import { NotificationLimiter, type NotificationLimits } from './notification-limiter.js';
import { NotificationStore, type Notification, type NotificationDraft } from './notification-store.js';

/** How long a still-exceeded threshold stays quiet after its notification. */
const THRESHOLD_REPEAT_MS = 15 * 60_000;

/**
 * Turns bus events into stored notifications and emits each one
 * (`notification`) for /ws. Recipients are the enabled admins: nodes
 * belong to no workspace yet, and admins are who can act on a node
 * (docs: skyclust notifications). A cloud VM's transitions go to its
 * workspace's members as well, never to another workspace's. Runs inside ingest's emit, so every
 * failure is caught and logged here, never thrown back into ingest. Drafts
 * pass the limiter (deduplicated and rate-limited per node, category and
 * subject) before anything is stored.
 */
export class NotificationService extends EventEmitter<{ notification: [Notification] }> {
  readonly store: NotificationStore;
  private readonly generator = new NotificationGenerator({ thresholdRepeatMs: THRESHOLD_REPEAT_MS });
  private readonly limiter: NotificationLimiter;
  private readonly busHandlers: { [K in keyof BusEvents]?: (...args: BusEvents[K]) => void } = {
    'node-status': ({ node, status }) => this.deliver(() => this.generator.fromStatus(node, status)),
    'threshold-exceeded': (e) => this.deliver(() => this.generator.fromThreshold(e)),
    'cluster-health': (e) => this.deliver(() => this.generator.fromClusterHealth(e)),
    samples: ({ node, rows }) => this.deliver(() => this.generator.fromSamples(node, rows)),
    'samples-refused': (r) => this.deliver(() => this.generator.fromRefusal(r)),
    'vm-status-changed': (e) => this.deliver(() => this.generator.fromVmStatus(e), () => this.workspaceRecipients(e.workspaceId)),
  };

  constructor(
    private readonly db: HubDb,
    private readonly bus: HubBus,
    private readonly log: Logger,
    limits: NotificationLimits,
  ) {
    super();
    this.setMaxListeners(0);
    this.store = new NotificationStore(db);
    this.limiter = new NotificationLimiter(limits);
  }

  /** Drafts the limiter dropped since the start. */
  get suppressed(): number {
    return this.limiter.suppressed;
  }

  start(): void {
    for (const [event, fn] of Object.entries(this.busHandlers)) this.bus.on(event as keyof BusEvents, fn as never);
  }

  stop(): void {
    for (const [event, fn] of Object.entries(this.busHandlers)) this.bus.off(event as keyof BusEvents, fn as never);
  }

  /** A notification from another part of the hub (the server manager's lifecycle events), to the admins like the rest. */
  notify(draft: NotificationDraft): void {
    this.deliver(() => [draft]);
  }

  private admins(): number[] {
    return (this.db.prepare("SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id").all() as { id: number }[]).map((r) => r.id);
  }

  /** The enabled members of one workspace and the enabled admins: a workspace's resources concern no other workspace's users. */
  private workspaceRecipients(workspaceId: string): number[] {
    const rows = this.db
      .prepare(
        "SELECT id FROM users WHERE disabled = 0 AND (role = 'admin' OR id IN (SELECT user_id FROM workspace_members WHERE workspace_id = ?)) ORDER BY id",
      )
      .all(workspaceId) as { id: number }[];
    return rows.map((r) => r.id);
  }

  /** Stores the drafts that pass the limiter, one copy per recipient (by default the admins). */
  private deliver(make: () => NotificationDraft[], recipients: () => number[] = () => this.admins()): void {
    try {
      const drafts = this.limiter.filter(make());
      if (drafts.length === 0) return;
      const users = recipients();
      for (const { subject: _about, scope: _counted, ...draft } of drafts) {
        for (const n of this.store.insert(draft, users)) this.emit('notification', n);
        this.log.info({ category: draft.category, node: draft.node, recipients: users.length }, draft.title);
      }
    } catch (err) {
      this.log.error({ err }, 'cannot create notification');
    }
  }
}
