import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSort } from '../../../hub/api/list-query.js';
import { AUDIT_SORT, AuditLog, type AuditEntry, type AuditRecord } from '../../../hub/audit/audit-log.js';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  userId: 1,
  username: 'admin',
  action: 'create',
  resource: 'workspace',
  resourceId: null,
  success: true,
  ip: '127.0.0.1',
  userAgent: 'vitest',
  ...over,
});
const newest = parseSort(undefined, AUDIT_SORT, 'created_at:desc');
const page = { limit: 50, offset: 0 };

describe('audit log', () => {
  let db: HubDb;
  let audit: AuditLog;
  const seen: AuditRecord[] = [];
  let clock = 1_000;
  beforeAll(() => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-audit-')), 'hub.db'));
    audit = new AuditLog(db, () => (clock += 1000));
    audit.on('record', (r) => seen.push(r));
    audit.record(entry({ action: 'login', resource: 'auth' }));
    audit.record(entry({ userId: 2, username: 'ann', action: 'update', resourceId: 'w-1' }));
    audit.record(entry({ userId: 2, username: 'ann', action: 'delete', resourceId: 'w-1', success: false }));
  });
  afterAll(() => db.close());

  it('emits every record it stores', () => {
    expect(seen.map((r) => r.action)).toEqual(['login', 'update', 'delete']);
  });

  it('filters by users, actions, resources, success and time, newest first', () => {
    expect(audit.query({}, newest, page).records.map((r) => r.action)).toEqual(['delete', 'update', 'login']);
    expect(audit.query({ userIds: [2] }, newest, page).total).toBe(2);
    expect(audit.query({ actions: ['login', 'delete'] }, newest, page).total).toBe(2);
    expect(audit.query({ resources: ['auth'] }, newest, page).records[0]?.action).toBe('login');
    expect(audit.query({ success: false }, newest, page).records.map((r) => r.resourceId)).toEqual(['w-1']);
    expect(audit.query({ start: 3000, end: 3000 }, newest, page).records.map((r) => r.action)).toEqual(['update']);
    expect(audit.query({}, parseSort('created_at:asc', AUDIT_SORT, ''), { limit: 1, offset: 1 }).records.map((r) => r.action)).toEqual(['update']);
  });

  it('refuses UPDATE and DELETE in the database itself', () => {
    expect(() => db.prepare("UPDATE audit_log SET action = 'nothing'").run()).toThrow(/cannot be changed/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/cannot be deleted/);
    expect(audit.query({}, newest, page).records.map((r) => r.action)).toEqual(['delete', 'update', 'login']);
  });
});
