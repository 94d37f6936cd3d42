import { Type } from '@sinclair/typebox';
import { IsoTime, Nullable, OpenObject, Pagination, Uuid } from './common.js';

/** audit-logs.ts renderAuditRecord(). */
export const AuditRecordView = Type.Object({
  id: Uuid,
  user_id: Nullable(Type.String({ format: 'uuid', description: 'the acting user\'s id, kept after the user is deleted; null for anonymous requests' })),
  username: Nullable(Type.String()),
  action: Type.String(),
  resource: Type.String(),
  resource_id: Nullable(Type.String()),
  success: Type.Boolean(),
  ip_address: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  details: OpenObject,
  created_at: IsoTime,
});

export const AuditLogList = Type.Object({ audit_logs: Type.Array(AuditRecordView), pagination: Pagination });
