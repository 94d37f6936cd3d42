import type { PveManager } from '../../pve-manager/manager.js';
import { humanSize } from '../../pve-manager/backups.js';
import type { RouteModule } from '../types.js';
import { BackupCreateRequest, BackupIdParams, BackupList, Done, PveErrors, RestoreRequest, TaskStarted } from './schemas.js';

const tags = ['pve-manager: backups'];

/** /api/backups: vzdump archives of managed servers on pveManager.backupStorage; create and restore as tasks. */
export const pveBackupRoutes =
  (manager: PveManager): RouteModule =>
  (app) => {
    app.get('/backups', { config: { access: 'metrics:read' }, schema: { tags, response: { 200: BackupList, ...PveErrors } } }, async () => {
      const backups = (await manager.backups()).map(({ backup, server }) => ({
        id: backup.backupId,
        backup_id: backup.backupId,
        server_id: server.id,
        server_name: server.name,
        status: 'completed' as const,
        size: humanSize(backup.bytes),
        size_bytes: backup.bytes,
        volid: backup.volid,
        node: backup.node,
        created_at: new Date(backup.ctime * 1000).toISOString(),
      }));
      return { backups, total: backups.length };
    });

    app.post(
      '/backups/create',
      { config: { access: 'infra:manage', audit: { action: 'create', resource: 'pve_backup' } }, schema: { tags, body: BackupCreateRequest, response: { 200: TaskStarted, ...PveErrors } } },
      async (request) => {
        const task = manager.createBackup(request.body.server_id);
        request.auditNote = { resourceId: String(request.body.server_id), details: { task_id: task.id } };
        return { success: true, message: '백업이 시작되었습니다', task_id: task.id };
      },
    );

    app.post(
      '/backups/:backup_id/restore',
      { config: { access: 'infra:manage', audit: { action: 'restore', resource: 'pve_backup' } }, schema: { tags, params: BackupIdParams, body: RestoreRequest, response: { 200: TaskStarted, ...PveErrors } } },
      async (request) => {
        const task = await manager.restoreBackup(request.params.backup_id, request.body.target_server_id, request.body.overwrite === true);
        request.auditNote = { resourceId: request.params.backup_id, details: { target_server_id: request.body.target_server_id, overwrite: request.body.overwrite === true, task_id: task.id } };
        return { success: true, message: '복원이 시작되었습니다', task_id: task.id };
      },
    );

    app.delete(
      '/backups/:backup_id',
      { config: { access: 'infra:manage', audit: { action: 'delete', resource: 'pve_backup' } }, schema: { tags, params: BackupIdParams, response: { 200: Done, ...PveErrors } } },
      async (request) => {
        await manager.deleteBackup(request.params.backup_id);
        request.auditNote = { resourceId: request.params.backup_id };
        return { success: true, message: '백업이 삭제되었습니다' };
      },
    );
  };
