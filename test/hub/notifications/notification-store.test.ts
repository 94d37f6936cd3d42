import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSort } from '../../../hub/api/list-query.js';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { UserStore } from '../../../hub/identity/users.js';
import { NOTIFICATION_SORT, NotificationStore, type NotificationDraft } from '../../../hub/notifications/notification-store.js';

const draft = (over: Partial<NotificationDraft>): NotificationDraft => ({
  type: 'warning',
  priority: 'medium',
  category: 'collector_error',
  title: 'Collector ipmi failing on gpu-01',
  message: '2 new errors',
  node: 'gpu-01',
  cluster: 'lab',
  data: { source: 'ipmi' },
  ...over,
});
const newest = parseSort(undefined, NOTIFICATION_SORT, 'created_at:desc');
const all = { unreadOnly: false };
const page = { limit: 20, offset: 0 };

describe('notification store', () => {
  let db: HubDb;
  let store: NotificationStore;
  let alice: number;
  let bob: number;
  let clock = 1_700_000_000_000;
  beforeAll(async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-notif-')), 'hub.db'));
    const users = new UserStore(db);
    alice = (await users.add('alice', 'admin', 'pw-alice-1')).id;
    bob = (await users.add('bob', 'admin', 'pw-bob-123')).id;
    store = new NotificationStore(db, () => clock++);
    store.insert(draft({ priority: 'low', type: 'info' }), [alice, bob]);
    store.insert(draft({ priority: 'critical', type: 'error', category: 'threshold_exceeded', data: { threshold: 5000 } }), [alice, bob]);
    store.insert(draft({ priority: 'high', type: 'error', category: 'node_offline' }), [alice]);
  });
  afterAll(() => db.close());

  it('keeps one copy per user, newest first, with its fields as given', () => {
    const a = store.list(alice, all, newest, page);
    expect(a.total).toBe(3);
    expect(a.notifications.map((n) => n.category)).toEqual(['node_offline', 'threshold_exceeded', 'collector_error']);
    expect(a.notifications[1]).toMatchObject({ userId: alice, priority: 'critical', data: { threshold: 5000 }, isRead: false, readAt: null });
    expect(store.list(bob, all, newest, page).total).toBe(2);
  });

  it('filters by type, priority and category, and sorts priority by rank', () => {
    expect(store.list(alice, { unreadOnly: false, types: ['error'] }, newest, page).total).toBe(2);
    expect(store.list(alice, { unreadOnly: false, priorities: ['low', 'critical'] }, newest, page).total).toBe(2);
    expect(store.list(alice, { unreadOnly: false, categories: ['node_offline'] }, newest, page).notifications[0]?.priority).toBe('high');
    const byPriority = store.list(alice, all, parseSort('priority:desc', NOTIFICATION_SORT, ''), page);
    expect(byPriority.notifications.map((n) => n.priority)).toEqual(['critical', 'high', 'low']);
  });

  it('marks read per user: another user\'s id is not found, read-all only touches the caller', () => {
    const [mine] = store.list(alice, all, newest, page).notifications;
    const [bobs] = store.list(bob, all, newest, page).notifications;
    expect(store.markRead(alice, bobs!.id)).toBe(false);
    expect(store.get(bob, bobs!.id)?.isRead).toBe(false);
    expect(store.markRead(alice, mine!.id)).toBe(true);
    expect(store.get(alice, mine!.id)).toMatchObject({ isRead: true, readAt: expect.any(Number) });
    expect(store.list(alice, { unreadOnly: true }, newest, page).unread).toBe(2);
    expect(store.markAllRead(alice)).toBe(2);
    expect(store.list(alice, { unreadOnly: true }, newest, page).total).toBe(0);
    expect(store.list(bob, { unreadOnly: true }, newest, page).total).toBe(2);
  });
});
