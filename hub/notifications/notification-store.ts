import { randomUUID } from 'node:crypto';
import type { HubDb } from '../core/db.js';
import { orderBy, Where, type Page, type SortKey } from '../api/list-query.js';

export const NOTIFICATION_TYPES = ['info', 'success', 'warning', 'error'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];
/** What produced a notification (hub/notifications/generator.ts). */
export const CATEGORIES = ['node_offline', 'node_online', 'collector_error', 'threshold_exceeded', 'bmc_sensor_critical', 'ingest_refused', 'notifications_suppressed', 'cluster_health', 'server_lifecycle', 'vm_status'] as const;
export type Category = (typeof CATEGORIES)[number];

/** A notification before it is addressed to anyone. */
export interface NotificationDraft {
  type: NotificationType;
  priority: Priority;
  category: Category;
  title: string;
  message: string;
  node: string | null;
  cluster: string | null;
  data: Record<string, unknown>;
  /** What it is about within its node and category (a sensor, a collector), for deduplication; not stored. */
  subject?: string;
  /** What the limiter counts it under when it is about neither a node nor a cluster (`VM <name>`); not stored. */
  scope?: string;
}

/** One user's copy of a notification. */
export interface Notification extends NotificationDraft {
  id: string;
  userId: number;
  isRead: boolean;
  readAt: number | null;
  createdAt: number;
}

interface Row {
  id: string;
  user_id: number;
  type: NotificationType;
  priority: Priority;
  category: Category;
  title: string;
  message: string;
  node: string | null;
  cluster: string | null;
  data: string | null;
  is_read: number;
  read_at: number | null;
  created_at: number;
}

const toNotification = (r: Row): Notification => ({
  id: r.id,
  userId: r.user_id,
  type: r.type,
  priority: r.priority,
  category: r.category,
  title: r.title,
  message: r.message,
  node: r.node,
  cluster: r.cluster,
  data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : {},
  isRead: r.is_read === 1,
  readAt: r.read_at,
  createdAt: r.created_at,
});

/** Sortable fields of GET /notifications; priority sorts by rank, not alphabetically. */
export const NOTIFICATION_SORT = {
  created_at: 'created_at',
  priority: "CASE priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE 3 END",
  type: 'type',
} as const;

export interface NotificationFilter {
  unreadOnly: boolean;
  types?: readonly NotificationType[];
  priorities?: readonly Priority[];
  categories?: readonly Category[];
}

/** Per-user notifications in hub.db. */
export class NotificationStore {
  constructor(
    private readonly db: HubDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores one copy of the draft per user, in one transaction. */
  insert(draft: NotificationDraft, userIds: readonly number[]): Notification[] {
    const ts = this.now();
    const stmt = this.db.prepare(
      'INSERT INTO notifications (id, user_id, type, priority, category, title, message, node, cluster, data, is_read, read_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?)',
    );
    const data = JSON.stringify(draft.data);
    return this.db.transaction(() =>
      userIds.map((userId) => {
        const id = randomUUID();
        stmt.run(id, userId, draft.type, draft.priority, draft.category, draft.title, draft.message, draft.node, draft.cluster, data, ts);
        return { ...draft, id, userId, isRead: false, readAt: null, createdAt: ts };
      }),
    )();
  }

  /** A page of the user's notifications with the total and how many are unread. */
  list(userId: number, f: NotificationFilter, sort: readonly SortKey[], page: Page): { notifications: Notification[]; total: number; unread: number } {
    const where = new Where().eq('user_id', userId).in('type', f.types).in('priority', f.priorities).in('category', f.categories);
    if (f.unreadOnly) where.add('is_read = 0');
    const total = (this.db.prepare(`SELECT count(*) AS n FROM notifications ${where.sql}`).get(...where.args) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM notifications ${where.sql} ${orderBy(sort, 'id')} LIMIT ? OFFSET ?`).all(...where.args, page.limit, page.offset) as Row[];
    const unread = (this.db.prepare('SELECT count(*) AS n FROM notifications WHERE user_id = ? AND is_read = 0').get(userId) as { n: number }).n;
    return { notifications: rows.map(toNotification), total, unread };
  }

  /** Deletes the user's copy; false when the user has no such notification. */
  delete(userId: number, id: string): boolean {
    return this.db.prepare('DELETE FROM notifications WHERE id = ? AND user_id = ?').run(id, userId).changes > 0;
  }

  get(userId: number, id: string): Notification | null {
    const row = this.db.prepare('SELECT * FROM notifications WHERE id = ? AND user_id = ?').get(id, userId) as Row | undefined;
    return row ? toNotification(row) : null;
  }

  /** Marks one of the user's notifications read; false when the user has none with that id. */
  markRead(userId: number, id: string): boolean {
    const found = this.db.prepare('SELECT 1 FROM notifications WHERE id = ? AND user_id = ?').get(id, userId);
    if (!found) return false;
    this.db.prepare('UPDATE notifications SET is_read = 1, read_at = ? WHERE id = ? AND user_id = ? AND is_read = 0').run(this.now(), id, userId);
    return true;
  }

  /** Marks all the user's notifications read; returns how many were unread. */
  markAllRead(userId: number): number {
    return this.db.prepare('UPDATE notifications SET is_read = 1, read_at = ? WHERE user_id = ? AND is_read = 0').run(this.now(), userId).changes;
  }
}
