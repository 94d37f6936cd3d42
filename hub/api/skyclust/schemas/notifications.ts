import { Type } from '@sinclair/typebox';
import { CATEGORIES, NOTIFICATION_TYPES, PRIORITIES } from '../../../notifications/notification-store.js';
import { IsoTime, Nullable, oneOf, OpenObject, Pagination } from './common.js';

export const NotificationView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  message: Type.String(),
  type: oneOf(NOTIFICATION_TYPES),
  priority: oneOf(PRIORITIES),
  category: oneOf(CATEGORIES),
  is_read: Type.Boolean(),
  read_at: Nullable(IsoTime),
  node: Nullable(Type.String()),
  cluster: Nullable(Type.String()),
  data: OpenObject,
  created_at: IsoTime,
});

export const NotificationList = Type.Object({ notifications: Type.Array(NotificationView), pagination: Pagination, unread_count: Type.Integer() });

export const MarkedAll = Type.Object({ marked: Type.Integer({ description: 'notifications that were unread' }) });
