import { Type } from '@sinclair/typebox';
import { CATEGORIES, NOTIFICATION_SORT, NOTIFICATION_TYPES, PRIORITIES, type Notification } from '../../notifications/notification-store.js';
import { notFound } from '../errors.js';
import { listQueryProps, multiValue, pageOf, pagination, parseSort } from '../list-query.js';
import type { RouteModule } from '../types.js';
import { ok } from './envelope.js';
import { Ok, oneOf, SkyErrors } from './schemas/common.js';
import { MarkedAll, NotificationList } from './schemas/notifications.js';

/** A notification as GET /notifications and the /ws `notification_received` event show it. */
export function renderNotification(n: Notification) {
  return {
    id: n.id,
    title: n.title,
    message: n.message,
    type: n.type,
    priority: n.priority,
    category: n.category,
    is_read: n.isRead,
    read_at: n.readAt === null ? null : new Date(n.readAt).toISOString(),
    node: n.node,
    cluster: n.cluster,
    data: n.data,
    created_at: new Date(n.createdAt).toISOString(),
  };
}

/** skyclust-api's notifications: each user reads and marks only their own. */
export const notificationsRoutes: RouteModule = (app, { notifications }) => {
  const store = notifications.store;

  app.get(
    '/notifications',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: 'The caller\'s notifications, newest first',
        querystring: Type.Object({
          unread_only: Type.Optional(Type.Boolean()),
          type: multiValue(oneOf(NOTIFICATION_TYPES), `repeatable: ${NOTIFICATION_TYPES.join(', ')}`),
          priority: multiValue(oneOf(PRIORITIES), `repeatable: ${PRIORITIES.join(', ')}`),
          category: multiValue(oneOf(CATEGORIES), `repeatable: ${CATEGORIES.join(', ')}`),
          ...listQueryProps({ sortFields: NOTIFICATION_SORT }),
        }),
        response: { 200: Ok(NotificationList), ...SkyErrors },
      },
    },
    async (request) => {
      const q = request.query;
      const page = pageOf(q);
      const sort = parseSort(q.sort, NOTIFICATION_SORT, 'created_at:desc');
      const filter = { unreadOnly: q.unread_only ?? false, types: q.type as Notification['type'][] | undefined, priorities: q.priority as Notification['priority'][] | undefined, categories: q.category as Notification['category'][] | undefined };
      const { notifications: list, total, unread } = store.list(request.principal!.userId, filter, sort, page);
      return ok(request, { notifications: list.map(renderNotification), pagination: pagination(page, total), unread_count: unread });
    },
  );

  app.put(
    '/notifications/read-all',
    { config: { access: 'authenticated', audit: { action: 'read_all' } }, schema: { tags: ['notifications'], summary: 'Mark all the caller\'s notifications read', response: { 200: Ok(MarkedAll), ...SkyErrors } } },
    async (request) => {
      const marked = store.markAllRead(request.principal!.userId);
      return ok(request, { marked }, 'all notifications marked read');
    },
  );

  app.put(
    '/notifications/:id/read',
    {
      config: { access: 'authenticated', audit: { action: 'read' } },
      schema: { tags: ['notifications'], summary: 'Mark one of the caller\'s notifications read', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: Ok(Type.Null()), ...SkyErrors } },
    },
    async (request) => {
      if (!store.markRead(request.principal!.userId, request.params.id)) throw notFound('notification');
      return ok(request, null, 'notification marked read');
    },
  );
};
