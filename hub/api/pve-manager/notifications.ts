import { Type } from '@sinclair/typebox';
import type { Notification } from '../../notifications/notification-store.js';
import { notFound } from '../errors.js';
import type { SortKey } from '../list-query.js';
import type { RouteModule } from '../types.js';
import { Done, PveErrors } from './schemas.js';

const tags = ['pve-manager: notifications'];

const Entry = Type.Object({
  id: Type.String({ description: 'UUID (the hub\'s one notification store; the seed shows a number)' }),
  message: Type.String(),
  type: Type.String({ description: 'info, success, warning, error' }),
  title: Type.String(),
  category: Type.String(),
  priority: Type.String(),
  is_read: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
});
const List = Type.Object({ notifications: Type.Array(Entry), total: Type.Integer() });
const Page = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })), offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })) }, { additionalProperties: false });

const view = (n: Notification) => ({ id: n.id, message: n.message, type: n.type, title: n.title, category: n.category, priority: n.priority, is_read: n.isRead, created_at: new Date(n.createdAt).toISOString() });

/** /api/notifications: the caller's notifications from the hub's one store (the skyclust API shows the same), newest first. */
export const pveNotificationRoutes: RouteModule = (app, deps) => {
  const store = deps.notifications.store;
  const newestFirst: SortKey[] = [{ field: 'created_at', column: 'created_at', direction: 'DESC' }];
  const all = { unreadOnly: false };

  app.get('/notifications', { config: { access: 'authenticated' }, schema: { tags, querystring: Page, response: { 200: List, ...PveErrors } } }, async (request) => {
    const { notifications, total } = store.list(request.principal!.userId, all, newestFirst, { limit: request.query.limit ?? 50, offset: request.query.offset ?? 0 });
    return { notifications: notifications.map(view), total };
  });

  app.get(
    '/notifications/latest',
    { config: { access: 'authenticated' }, schema: { tags, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 5 })) }, { additionalProperties: false }), response: { 200: List, ...PveErrors } } },
    async (request) => {
      const { notifications, total } = store.list(request.principal!.userId, all, newestFirst, { limit: request.query.limit ?? 5, offset: 0 });
      return { notifications: notifications.map(view), total };
    },
  );

  app.delete(
    '/notifications/:id',
    { config: { access: 'authenticated', audit: { action: 'delete', resource: 'notification' } }, schema: { tags, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Done, ...PveErrors } } },
    async (request) => {
      if (!store.delete(request.principal!.userId, request.params.id)) throw notFound(`notification ${request.params.id}`);
      return { success: true, message: '알림이 삭제되었습니다' };
    },
  );
};
