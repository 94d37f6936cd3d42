import type { PveManager } from '../../pve-manager/manager.js';
import type { RouteModule } from '../types.js';
import { PveErrors, ServerList, ServerRequest, TaskStarted } from './schemas.js';
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
  };
