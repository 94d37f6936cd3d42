import type { PveManager } from '../../pve-manager/manager.js';
import type { RouteModule } from '../types.js';
import { BulkCreateAnswer, BulkCreateRequest, BulkDeleteAnswer, BulkDeleteRequest, PowerRequest, PveErrors, ServerId, ServerList, ServerRequest, TaskStarted } from './schemas.js';
import { serverView } from './views.js';

const tags = ['pve-manager: servers'];

/** /api/servers: the managed servers (list live from PVE, create as a task). */
export const pveServerRoutes =
  (manager: PveManager): RouteModule =>
  (app) => {
    app.get('/servers', { config: { access: 'metrics:read' }, schema: { tags, response: { 200: ServerList, ...PveErrors } } }, async () => {
      const servers = (await manager.list()).map(serverView);
      return { servers, total: servers.length };
    });

    app.post(
      '/servers/create',
      { config: { access: 'infra:manage', audit: { action: 'create', resource: 'pve_server' } }, schema: { tags, body: ServerRequest, response: { 200: TaskStarted, ...PveErrors } } },
      async (request) => {
        const task = manager.create(request.body);
        request.auditNote = { resourceId: String(task.serverId), details: { name: request.body.name, task_id: task.id } };
        return { success: true, message: '서버 생성이 시작되었습니다', task_id: task.id };
      },
    );

    app.post(
      '/servers/bulk-create',
      { config: { access: 'infra:manage', audit: { action: 'bulk_create', resource: 'pve_server' } }, schema: { tags, body: BulkCreateRequest, response: { 200: BulkCreateAnswer, ...PveErrors } } },
      async (request) => {
        const { parent, children } = manager.bulkCreate(request.body);
        request.auditNote = { resourceId: parent.id, details: { names: children.map((c) => c.server.name) } };
        return {
          success: true,
          message: `${children.length}대 서버 생성이 시작되었습니다`,
          task_id: parent.id,
          servers: children.map((c) => ({ server_id: c.server.id, name: c.server.name, ip_address: c.server.ipAddress, task_id: c.task.id })),
        };
      },
    );

    app.delete(
      '/servers/:id',
      { config: { access: 'infra:manage', audit: { action: 'delete', resource: 'pve_server' } }, schema: { tags, params: ServerId, response: { 200: TaskStarted, ...PveErrors } } },
      async (request) => {
        const task = manager.remove(request.params.id);
        request.auditNote = { resourceId: String(request.params.id), details: { task_id: task.id } };
        return { success: true, message: '서버 삭제가 시작되었습니다', task_id: task.id };
      },
    );

    app.post(
      '/servers/bulk-delete',
      { config: { access: 'infra:manage', audit: { action: 'bulk_delete', resource: 'pve_server' } }, schema: { tags, body: BulkDeleteRequest, response: { 200: BulkDeleteAnswer, ...PveErrors } } },
      async (request) => {
        const { parent, children } = manager.bulkRemove(request.body.server_ids);
        request.auditNote = { resourceId: parent.id, details: { server_ids: request.body.server_ids } };
        return { success: true, message: `${children.length}대 서버 삭제가 시작되었습니다`, task_id: parent.id, results: children.map((c) => ({ server_id: c.serverId!, task_id: c.id })) };
      },
    );

    app.put(
      '/servers/:id/status',
      { config: { access: 'infra:manage', audit: { action: 'update_status', resource: 'pve_server' } }, schema: { tags, params: ServerId, body: PowerRequest, response: { 200: TaskStarted, ...PveErrors } } },
      async (request) => {
        const task = manager.setPower(request.params.id, request.body.status);
        request.auditNote = { resourceId: String(request.params.id), details: { status: request.body.status, task_id: task.id } };
        return { success: true, message: `서버 상태 변경이 시작되었습니다 (${request.body.status})`, task_id: task.id };
      },
    );
  };
