import { Type } from '@sinclair/typebox';
import { AUDIT_SORT, type AuditRecord } from '../../audit/audit-log.js';
import { listQueryProps, multiValue, pageOf, pagination, parseSort, TimeParam, timeRange } from '../list-query.js';
import type { RouteModule } from '../types.js';
import { ok } from './envelope.js';
import { AuditLogList } from './schemas/audit-logs.js';
import { Ok, SkyErrors, Uuid } from './schemas/common.js';

/** The seed documents 50 as this list's default. */
const DEFAULT_LIMIT = 50;
/** Actions and resources are identifiers the hub writes (`create`, `api_key`): nothing else can match. */
const Word = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' });

/** An audit record in the seed's shape (plus username and details). */
export function renderAuditRecord(r: AuditRecord) {
  return {
    id: r.uuid,
    user_id: r.userUuid,
    username: r.username,
    action: r.action,
    resource: r.resource,
    resource_id: r.resourceId,
    success: r.success,
    ip_address: r.ip,
    user_agent: r.userAgent,
    details: r.details ?? {},
    created_at: new Date(r.ts).toISOString(),
  };
}

/** GET /audit-logs. Read-only by design: no route changes or deletes a record, and the table's triggers refuse it. */
export const auditLogsRoutes: RouteModule = (app, { audit }) => {
  app.get(
    '/audit-logs',
    {
      config: { access: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'Audit records, newest first',
        querystring: Type.Object({
          user_id: multiValue(Uuid, 'repeatable: user ids (UUIDs)'),
          action: multiValue(Word, 'repeatable: create, update, delete, login, ...'),
          resource: multiValue(Word, 'repeatable: workspace, user, auth, ...'),
          success: Type.Optional(Type.Boolean()),
          start_time: Type.Optional(TimeParam),
          end_time: Type.Optional(TimeParam),
          ...listQueryProps({ defaultLimit: DEFAULT_LIMIT, sortFields: AUDIT_SORT }),
        }),
        response: { 200: Ok(AuditLogList), ...SkyErrors },
      },
    },
    async (request) => {
      const q = request.query;
      const page = pageOf(q, DEFAULT_LIMIT);
      const sort = parseSort(q.sort, AUDIT_SORT, 'created_at:desc');
      const { start, end } = timeRange(q);
      const { records, total } = audit.query({ userUuids: q.user_id, actions: q.action, resources: q.resource, success: q.success, start, end }, sort, page);
      return ok(request, { audit_logs: records.map(renderAuditRecord), pagination: pagination(page, total) });
    },
  );
};
