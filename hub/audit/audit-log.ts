import { EventEmitter } from 'node:events';
import { orderBy, Where, type Page, type SortKey } from '../api/list-query.js';
import type { HubDb } from '../core/db.js';

/** One audited action: who did what to which resource, from where, and whether it worked. */
export interface AuditEntry {
  userId: number | null;
  username: string | null;
  /** `login`, `logout`, `create`, `update`, `delete`, or a route's own verb. */
  action: string;
  /** `auth`, `user`, `workspace`, `api_key`, ... */
  resource: string;
  resourceId: string | null;
  success: boolean;
  ip: string | null;
  userAgent: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  /** The record's id in the skyclust API. */
  uuid: string;
  /** The acting user's uuid, kept after that user is deleted. */
  userUuid: string | null;
  ts: number;
}

export interface AuditFilter {
  userIds?: readonly number[];
  userUuids?: readonly string[];
  actions?: readonly string[];
  resources?: readonly string[];
  success?: boolean;
  /** ms since the epoch, inclusive. */
  start?: number;
  end?: number;
}

/** Sortable fields of GET /audit-logs (API name -> column). */
export const AUDIT_SORT = { created_at: 'ts', action: 'action', resource: 'resource', user_id: 'user_id' } as const;

interface Row {
  id: number;
  uuid: string;
  ts: number;
  user_id: number | null;
  user_uuid: string | null;
  username: string | null;
  action: string;
  resource: string;
  resource_id: string | null;
  success: number;
  ip: string | null;
  user_agent: string | null;
  details: string | null;
}

const toRecord = (r: Row): AuditRecord => ({
  id: r.id,
  uuid: r.uuid,
  ts: r.ts,
  userId: r.user_id,
  userUuid: r.user_uuid,
  username: r.username,
  action: r.action,
  resource: r.resource,
  resourceId: r.resource_id,
  success: r.success === 1,
  ip: r.ip,
  userAgent: r.user_agent,
  details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : {},
});

/**
 * The append-only audit log in hub.db. Records are never changed: the table
 * has triggers that abort UPDATE and DELETE, so not even a bug in a route
 * can rewrite history. Emits `record` for live consumers (the /ws stream).
 */
export class AuditLog extends EventEmitter<{ record: [AuditRecord] }> {
  constructor(
    private readonly db: HubDb,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.setMaxListeners(0);
  }

  record(e: AuditEntry): AuditRecord {
    const ts = this.now();
    // uuid: the column's default; user_uuid copied from the user, so it outlives the account.
    const row = this.db
      .prepare('INSERT INTO audit_log (ts, user_id, user_uuid, username, action, resource, resource_id, success, ip, user_agent, details) VALUES (?, ?, (SELECT uuid FROM users WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, uuid, user_uuid')
      .get(ts, e.userId, e.userId, e.username, e.action, e.resource, e.resourceId, e.success ? 1 : 0, e.ip, e.userAgent, e.details ? JSON.stringify(e.details) : null) as { id: number; uuid: string; user_uuid: string | null };
    const rec: AuditRecord = { ...e, details: e.details ?? {}, id: row.id, uuid: row.uuid, userUuid: row.user_uuid, ts };
    this.emit('record', rec);
    return rec;
  }

  get(id: number): AuditRecord | null {
    const row = this.db.prepare('SELECT * FROM audit_log WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** Records matching the filter (repeatable values match any), sorted, with the total before limit/offset. */
  query(f: AuditFilter, sort: readonly SortKey[], page: Page): { records: AuditRecord[]; total: number } {
    const where = new Where().in('user_id', f.userIds).in('user_uuid', f.userUuids).in('action', f.actions).in('resource', f.resources).between('ts', f.start, f.end);
    if (f.success !== undefined) where.add('success = ?', f.success ? 1 : 0);
    const total = (this.db.prepare(`SELECT count(*) AS n FROM audit_log ${where.sql}`).get(...where.args) as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM audit_log ${where.sql} ${orderBy(sort, `id ${sort[0]?.direction ?? 'DESC'}`)} LIMIT ? OFFSET ?`).all(...where.args, page.limit, page.offset) as Row[];
    return { records: rows.map(toRecord), total };
  }
}
