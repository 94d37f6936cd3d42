import type { ServerView } from '../../pve-manager/manager.js';
import type { ManagerTask } from '../../pve-manager/task-store.js';

const iso = (ms: number) => new Date(ms).toISOString();

export const serverView = (s: ServerView) => ({
  id: s.id,
  name: s.name,
  ip_address: s.ipAddress,
  role: s.role,
  status: s.status,
  cpu: s.cpu,
  memory: s.memory,
  disk_size: s.diskSize,
  vmid: s.vmid,
  node: s.node,
  created_at: iso(s.createdAt),
  updated_at: iso(s.updatedAt),
});

export const taskView = (t: ManagerTask) => ({
  task_id: t.id,
  type: t.kind,
  status: t.status,
  progress: t.progress,
  message: t.message,
  step: t.step,
  error: t.error,
  server_id: t.serverId,
  created_at: iso(t.createdAt),
  updated_at: iso(t.updatedAt),
  finished_at: t.finishedAt === null ? null : iso(t.finishedAt),
});
