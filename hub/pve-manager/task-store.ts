import { randomBytes } from 'node:crypto';
import type { HubDb } from '../core/db.js';

export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface ManagerTask {
  id: string;
  kind: string;
  serverId: number | null;
  parentId: string | null;
  status: TaskStatus;
  progress: number;
  message: string;
  step: string | null;
  stepIndex: number;
  upid: string | null;
  error: string | null;
  input: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

interface Row {
  id: string;
  kind: string;
  server_id: number | null;
  parent_id: string | null;
  status: TaskStatus;
  progress: number;
  message: string;
  step: string | null;
  step_index: number;
  upid: string | null;
  error: string | null;
  input: string;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

const fromRow = (r: Row): ManagerTask => ({
  id: r.id,
  kind: r.kind,
  serverId: r.server_id,
  parentId: r.parent_id,
  status: r.status,
  progress: r.progress,
  message: r.message,
  step: r.step,
  stepIndex: r.step_index,
  upid: r.upid,
  error: r.error,
  input: JSON.parse(r.input) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

export type TaskUpdate = Partial<Pick<ManagerTask, 'status' | 'progress' | 'message' | 'step' | 'stepIndex' | 'upid' | 'error'>>;

/** The server manager's persisted tasks (pve_tasks): what GET /api/tasks/{id} answers and what a restarted hub resumes. */
export class TaskStore {
  /**
   * @param keepFinished finished tasks kept (pveManager.keepFinishedTasks): every
   *   power change or backup a client asks for is a row, so past this the oldest
   *   finished ones go as others finish.
   */
  constructor(
    private readonly db: HubDb,
    private readonly keepFinished: number,
    private readonly now: () => number = Date.now,
  ) {}

  create(kind: string, message: string, opts: { serverId?: number | null; parentId?: string | null; input?: Record<string, unknown> } = {}): ManagerTask {
    const id = `task_${randomBytes(12).toString('hex')}`;
    const now = this.now();
    this.db
      .prepare('INSERT INTO pve_tasks (id, kind, server_id, parent_id, status, message, input, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, kind, opts.serverId ?? null, opts.parentId ?? null, 'pending', message, JSON.stringify(opts.input ?? {}), now, now);
    return this.get(id)!;
  }

  /** Removes the finished tasks past the newest `keepFinished`; a finished child of a bulk task still running stays (its parent counts it). */
  private prune(): void {
    this.db
      .prepare(
        `DELETE FROM pve_tasks WHERE id IN (
           SELECT id FROM pve_tasks
           WHERE status IN ('completed', 'failed')
             AND (parent_id IS NULL OR parent_id NOT IN (SELECT id FROM pve_tasks WHERE status IN ('pending', 'running')))
           ORDER BY finished_at DESC, created_at DESC, id DESC LIMIT -1 OFFSET ?)`,
      )
      .run(this.keepFinished);
  }

  get(id: string): ManagerTask | null {
    const row = this.db.prepare('SELECT * FROM pve_tasks WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  children(parentId: string): ManagerTask[] {
    return (this.db.prepare('SELECT * FROM pve_tasks WHERE parent_id = ? ORDER BY created_at, id').all(parentId) as Row[]).map(fromRow);
  }

  /** Whether a task on this server is pending or running. */
  busy(serverId: number): boolean {
    return this.db.prepare("SELECT 1 FROM pve_tasks WHERE server_id = ? AND status IN ('pending', 'running')").get(serverId) !== undefined;
  }

  /** Tasks a hub stopped before they ended, oldest first. */
  unfinished(): ManagerTask[] {
    return (this.db.prepare("SELECT * FROM pve_tasks WHERE status IN ('pending', 'running') ORDER BY created_at, id").all() as Row[]).map(fromRow);
  }

  update(id: string, u: TaskUpdate): void {
    const cols: Record<string, unknown> = { status: u.status, progress: u.progress, message: u.message, step: u.step, step_index: u.stepIndex, upid: u.upid, error: u.error };
    const set = Object.entries(cols).filter(([, v]) => v !== undefined);
    const finished = u.status === 'completed' || u.status === 'failed';
    const sql = `UPDATE pve_tasks SET ${set.map(([k]) => `${k} = ?`).join(', ')}${set.length ? ', ' : ''}updated_at = ?${finished ? ', finished_at = ?' : ''} WHERE id = ?`;
    const now = this.now();
    this.db.prepare(sql).run(...set.map(([, v]) => v), now, ...(finished ? [now] : []), id);
    if (finished) this.prune();
  }
}
