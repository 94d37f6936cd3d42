import { Type } from '@sinclair/typebox';
import type { PveManager } from '../../pve-manager/manager.js';
import { notFound } from '../errors.js';
import type { RouteModule } from '../types.js';
import { PveErrors, Task } from './schemas.js';
import { taskView } from './views.js';

/** GET /api/tasks/{task_id}: a persisted server manager task. */
export const pveTaskRoutes =
  (manager: PveManager): RouteModule =>
  (app) => {
    app.get(
      '/tasks/:task_id',
      { config: { access: 'metrics:read' }, schema: { tags: ['pve-manager: tasks'], params: Type.Object({ task_id: Type.String({ maxLength: 64 }) }), response: { 200: Task, ...PveErrors } } },
      async (request) => {
        const task = manager.getTask(request.params.task_id);
        if (!task) throw notFound(`task ${request.params.task_id}`);
        return taskView(task);
      },
    );
  };
